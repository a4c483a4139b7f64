import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { insertEvents, insertMessagesWithHold, sql, type DB } from '@dak/db';
import { messageToAccept, seedWalletAccount } from '@dak/dev-env';
import { extractWebhookEvents } from '@dak/meta';
import { createBenchDatabase } from '../../bench/env';
import { applyPendingEvents } from './src/apply-events';

pg.types.setTypeParser(20, Number);
const database = await createBenchDatabase('postgres://root@127.0.0.1:5432/postgres');
const times = new Map<string, { n: number; ms: number }>();
let logging = false;
const pool = new pg.Pool({ connectionString: database.url, max: 1 });
const notices: string[] = [];
if (process.env.EXPLAIN) pool.on('connect', (c) => {
  c.on('notice', (n) => { if (logging) notices.push(n.message ?? ''); });
  void c.query("load 'auto_explain'; set auto_explain.log_min_duration = 0; set auto_explain.log_analyze = on; set auto_explain.log_buffers = on; set auto_explain.log_level = notice");
});
const db = new Kysely<DB>({
  dialect: new PostgresDialect({ pool }),
  log(e) {
    if (!logging) return;
    const key = e.query.sql.replace(/\s+/g, ' ').slice(0, 70);
    const t = times.get(key) ?? { n: 0, ms: 0 };
    t.n++; t.ms += e.queryDurationMillis; times.set(key, t);
  },
});
try {
  const owner = await seedWalletAccount(db, 100_000_000);
  const N = Number(process.env.N ?? 2000);
  const msgs = Array.from({ length: N }, () => messageToAccept(owner, 10));
  for (let i = 0; i < N; i += 1000) await insertMessagesWithHold(db, owner.accountId, msgs.slice(i, i + 1000));
  await sql`update messages set wamid = 'wamid.' || id`.execute(db);
  const statuses = ['sent', 'delivered', 'read'].flatMap((status, step) => msgs.map((m) => ({
    id: `wamid.${m.id}`, status, timestamp: String(1764500000 + step), recipient_id: m.recipient, biz_opaque_callback_data: m.id,
  })));
  for (let i = 0; i < statuses.length; i += 100) {
    const events = extractWebhookEvents({ object: 'whatsapp_business_account', entry: [{ id: owner.wabaId, changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp', metadata: { display_phone_number: '1', phone_number_id: owner.metaPhoneNumberId }, statuses: statuses.slice(i, i + 100) } }] }] });
    await insertEvents(db, events.map((e) => ({ ...e, payload: JSON.stringify(e.payload) })));
  }
  if (process.env.EXPLAIN) { logging = true; await applyPendingEvents(db, 500); await applyPendingEvents(db, 500); logging = false; for (const n of notices) console.log(n.slice(0, 6000)); process.exit(0); }
  logging = true;
  const started = performance.now();
  let applied = 0;
  for (;;) { const b = await applyPendingEvents(db, Number(process.env.BATCH ?? 500)); applied += b.applied.length; if (b.taken === 0) break; }
  const ms = performance.now() - started;
  console.log(`applied ${applied} in ${ms.toFixed(0)} ms = ${(applied / ms * 1000).toFixed(0)}/s`);
  let total = 0; for (const t of times.values()) total += t.ms;
  for (const [k, t] of [...times].sort((a, b) => b[1].ms - a[1].ms)) console.log(`${t.ms.toFixed(0).padStart(6)} ms ${String(t.n).padStart(4)}x ${k}`);
  console.log('sum of statements', total.toFixed(0));
  console.log(await sql`select status, charge_state, count(*) from messages group by 1,2`.execute(db).then((r) => r.rows));
} finally {
  await db.destroy();
  await database.drop();
}
