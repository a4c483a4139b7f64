// Scenario 6: statuses applied, with the receiver run as production runs it (its own compiled
// process, from @dak/dev-env's startDakProcesses). Messages are accepted through the API
// (POST /send-batch, no worker running) and given wamids, as if Meta had taken them; then their
// sent, delivered and read statuses, signed like Meta's, are POSTed to /webhooks/meta, 100 per
// POST and 1 per POST, each way twice on fresh messages: paced at the target rate (as Meta
// sends, whether or not earlier POSTs were answered: the latencies that matter) and flat out
// from a fixed number of clients (the most the receiver applies). Figures: statuses applied per
// second (from the first POST to the last status applied, money included), POST latency, and
// how long after its POST's 200 each status was visible: its event's applied_at, which the
// applier sets in the transaction that applies it (just before the commit), minus the 200's
// arrival at the driver, both by the machine's clock. Baseline in the same run: a raw applier
// making the same changes of status with one forward-only `UPDATE … FROM unnest` per 500
// statuses on a copy of the same rows.
import { randomBytes } from 'node:crypto';
import { createDatabase, sql, type Database } from '@dak/db';
import { demoBusiness, startDakProcesses, type DakProcesses } from '@dak/dev-env';
import { pg, type PgPool } from './deps';
import {
  MPS,
  TEMPLATE,
  createBenchDatabase,
  deleteKeys,
  metaPhoneNumberId,
  recipient,
  seedProcessesAccount,
  signedStatusPost,
  statusesOf,
  type BenchTarget,
} from './env';
import { HttpClient, measure, percentile, runLanes, waitUntil, type RunFigures } from './load';
import type { ResultRow } from './report';

export interface StatusesSizes {
  /** Messages per run; each gets three statuses. */
  messages: number;
  statusesPerPost: number[];
  /** The paced run offers statuses at this rate (the target); the other posts as fast as answered. */
  statusesPerSecond: number;
  /** POSTs in flight at most. */
  concurrency: number;
  timeoutMs: number;
}

const SCENARIO = '6 statuses applied';
const ACCEPT_BATCH = 1_000;
const RAW_BATCH = 500;

interface Message {
  id: string;
  wamid: string;
  recipient: string;
}

interface Post {
  body: string;
  signature: string;
  keys: string[];
}

/** The receiver alone matters here, but the API accepts the messages: meta-sim, API and receiver, no worker. */
async function start(target: BenchTarget, appSecret: string) {
  const database = await createBenchDatabase(target.databaseUrl);
  const queuePrefix = `dak-bench-${randomBytes(5).toString('hex')}`;
  const db = createDatabase({ url: database.url, poolSize: 2 });
  const stack = await startDakProcesses({
    databaseUrl: database.url,
    redisUrl: target.redisUrl,
    queuePrefix,
    workers: 0,
    env: { TEMPLATE_SYNC_INTERVAL_MS: '0', META_APP_SECRET: appSecret },
  });
  return {
    stack,
    db,
    databaseUrl: database.url,
    async close() {
      await stack.stop();
      await db.destroy();
      await database.drop();
      await deleteKeys(target.redisUrl, queuePrefix);
    },
  };
}

/** One business with one number; returns what the sends need. */
async function seed(stack: DakProcesses) {
  const accessToken = `EAAG${randomBytes(24).toString('hex')}`;
  const phone = { phone_number_id: metaPhoneNumberId(0), display_phone_number: '15550780000', mps: MPS };
  const business = demoBusiness(accessToken, { phone_numbers: [phone] });
  const seeded = await seedProcessesAccount(stack, business, '1000000.00');
  return { apiKey: seeded.apiKey!, wabaId: business.waba_id, phone };
}

/** Accepts `count` messages through POST /send-batch and gives them wamids, as Meta's 200 would. */
async function acceptWithWamids(
  stack: DakProcesses,
  db: Database,
  apiKey: string,
  phoneNumberId: string,
  count: number,
  offset: number,
): Promise<Message[]> {
  const client = new HttpClient(4);
  const ids: string[] = [];
  try {
    for (let start = 0; start < count; start += ACCEPT_BATCH) {
      const size = Math.min(ACCEPT_BATCH, count - start);
      const body = JSON.stringify({
        phone_number_id: phoneNumberId,
        template_id: TEMPLATE.id,
        messages: Array.from({ length: size }, (_, i) => ({
          phone_number: recipient(offset + start + i),
          variables: [{ type: 'body', values: [`Customer ${i}`, `ORD-${i}`] }],
        })),
      });
      const answer = await client.post(`${stack.apiUrl}/api/whatsapp/v1/send-batch`, body, {
        authorization: `Bearer ${apiKey}`,
      });
      const parsed = JSON.parse(answer.body) as { accepted?: number; message_ids?: (string | null)[] };
      if (answer.status !== 200 || parsed.accepted !== size)
        throw new Error(`accepting the messages failed: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
      ids.push(...parsed.message_ids!.flatMap((id) => (id ? [id] : [])));
    }
  } finally {
    client.close();
  }
  const updated = await sql<Message>`
    update messages set wamid = 'wamid.HBgM' || upper(substr(id, 5)) where id = any(${ids}) returning id, wamid, recipient`.execute(
    db,
  );
  return updated.rows;
}

/** Meta's envelope, signed over the exact bytes; each POST remembers its statuses as `wamid:status`. */
function prepare(
  messages: Message[],
  perPost: number,
  from: { wabaId: string; phone: { phone_number_id: string; display_phone_number: string } },
  appSecret: string,
): Post[] {
  const metadata = {
    display_phone_number: from.phone.display_phone_number,
    phone_number_id: from.phone.phone_number_id,
  };
  const statuses = statusesOf(messages);
  const posts: Post[] = [];
  for (let i = 0; i < statuses.length; i += perPost) {
    const chunk = statuses.slice(i, i + perPost);
    posts.push({
      ...signedStatusPost(from.wabaId, metadata, chunk, appSecret),
      keys: chunk.map((s) => `${s.id}:${s.status}`),
    });
  }
  return posts;
}

interface Applied {
  posts: RunFigures;
  applied: RunFigures;
  lag: RunFigures;
}

/** Posts every status, waits until all are applied, and reads when each was. */
async function postAndApply(
  stack: DakProcesses,
  db: Database,
  posts: Post[],
  messageIds: string[],
  sizes: StatusesSizes,
  paced: boolean,
): Promise<Applied> {
  const client = new HttpClient(sizes.concurrency);
  const url = `${stack.webhooksUrl}/webhooks/meta`;
  const statuses = posts.reduce((sum, p) => sum + p.keys.length, 0);
  const answeredAt = new Array<number>(posts.length);
  const cpuBefore = stack.webhooks.cpuSeconds();
  const startedAt = Date.now();
  try {
    const send = async (i: number) => {
      const post = posts[i]!;
      const answer = await client.post(url, post.body, { 'x-hub-signature-256': post.signature });
      answeredAt[i] = Date.now();
      return `HTTP ${answer.status}`;
    };
    const postsPerSecond = (posts.length / statuses) * sizes.statusesPerSecond;
    const figures = await runLanes(
      posts.length,
      sizes.concurrency,
      send,
      posts.length,
      paced ? postsPerSecond : undefined,
    );
    // Every POST was answered, so every event is stored: wait until none is left to apply.
    const wamids = [...new Set(posts.flatMap((p) => p.keys.map((key) => key.split(':')[0]!)))];
    const pending = async () =>
      (
        await sql<{ n: number }>`
          select count(*)::int as n from message_events where wamid = any(${wamids}) and applied_at is null`.execute(db)
      ).rows[0]!.n;
    const done = await waitUntil(async () => (await pending()) === 0, sizes.timeoutMs, 100);
    const cpuSeconds = stack.webhooks.cpuSeconds() - cpuBefore;
    const applied = await sql<{ key: string; applied_at: Date }>`
      select wamid || ':' || status as key, applied_at from message_events
      where wamid = any(${wamids}) and applied_at is not null`.execute(db);
    const appliedAt = new Map(applied.rows.map((r) => [r.key, r.applied_at.getTime()]));
    const lastApplied = Math.max(...appliedAt.values());
    // A status the applier took before its POST's 200 reached the driver counts as visible at once.
    const lags = posts
      .flatMap((p, i) => p.keys.map((key) => Math.max(0, (appliedAt.get(key) ?? Number.NaN) - answeredAt[i]!)))
      .filter((lag) => !Number.isNaN(lag))
      .sort((a, b) => a - b);
    const byState = await sql<{ state: string; n: number }>`
      select status || '/' || charge_state as state, count(*)::int as n from messages where id = any(${messageIds})
      group by 1`.execute(db);
    const seconds = (lastApplied - startedAt) / 1_000;
    const outcomes = {
      ...Object.fromEntries(byState.rows.map((r) => [r.state, r.n])),
      ...(done ? {} : { 'timed out': 1 }),
    };
    return {
      posts: figures,
      applied: {
        count: statuses,
        seconds,
        perSecond: statuses / seconds,
        cpuMicrosPerOp: (cpuSeconds * 1e6) / statuses,
        outcomes,
      },
      lag: {
        count: lags.length,
        seconds,
        perSecond: Number.NaN,
        latencies: { p50: percentile(lags, 0.5), p95: percentile(lags, 0.95), p99: percentile(lags, 0.99) },
        cpuMicrosPerOp: Number.NaN,
        outcomes: { visible: lags.length },
      },
    };
  } finally {
    client.close();
  }
}

/** The same changes of status, set-wise and raw: one forward-only UPDATE per RAW_BATCH statuses, one connection. */
async function rawApply(pool: PgPool, posts: Post[], messageIds: string[]): Promise<RunFigures> {
  await pool.query('truncate bench_apply_messages');
  await pool.query('insert into bench_apply_messages select * from messages where id = any($1)', [messageIds]);
  const byWamid = await pool.query<{ id: string; wamid: string }>(
    'select id, wamid from bench_apply_messages where id = any($1)',
    [messageIds],
  );
  const idOf = new Map(byWamid.rows.map((r) => [r.wamid, r.id]));
  const statuses = posts.flatMap((p) =>
    p.keys.map((key) => {
      const [wamid, status] = key.split(':');
      return { id: idOf.get(wamid!)!, status: status! };
    }),
  );
  return measure(statuses.length, async () => {
    const client = await pool.connect();
    let updated = 0;
    try {
      for (let i = 0; i < statuses.length; i += RAW_BATCH) {
        const chunk = statuses.slice(i, i + RAW_BATCH);
        const result = await client.query(
          `update bench_apply_messages m set
             status = case when dak_status_rank(m.status) < dak_status_rank(u.status) then u.status else m.status end,
             updated_at = now()
           from (select id, (array_agg(status order by dak_status_rank(status) desc))[1] as status
                 from unnest($1::text[], $2::text[]) as u(id, status) group by id) u
           where m.id = u.id`,
          [chunk.map((s) => s.id), chunk.map((s) => s.status)],
        );
        updated += result.rowCount ?? 0;
      }
    } finally {
      client.release();
    }
    const read = await pool.query<{ n: number }>(
      `select count(*)::int as n from bench_apply_messages where status = 'read'`,
    );
    return { read: read.rows[0]!.n, 'rows updated': updated };
  });
}

export async function benchStatuses(target: BenchTarget, sizes: StatusesSizes): Promise<ResultRow[]> {
  const appSecret = randomBytes(24).toString('hex');
  const env = await start(target, appSecret);
  const pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
  // The scenario's database is dropped with force at the end; a connection still closing then is not an error.
  pool.on('error', () => undefined);
  const rows: ResultRow[] = [];
  try {
    const { apiKey, wabaId, phone } = await seed(env.stack);
    await pool.query('create table bench_apply_messages (like messages including all)');
    const build = env.stack.compiled ? 'compiled' : 'tsx: run pnpm build for the compiled build';
    const runs = sizes.statusesPerPost.flatMap((perPost) => [true, false].map((paced) => ({ perPost, paced })));
    for (const [round, { perPost, paced }] of runs.entries()) {
      const messages = await acceptWithWamids(
        env.stack,
        env.db,
        apiKey,
        phone.phone_number_id,
        sizes.messages,
        round * sizes.messages,
      );
      const posts = prepare(messages, perPost, { wabaId, phone }, appSecret);
      const ids = messages.map((m) => m.id);
      const result = await postAndApply(env.stack, env.db, posts, ids, sizes, paced);
      const offered = paced
        ? `offered at ${sizes.statusesPerSecond.toLocaleString('en')} statuses/s`
        : `as fast as answered, ${sizes.concurrency} clients`;
      const appliedWhat = `Dak receiver, ${perPost}/POST ${offered}: statuses applied`;
      rows.push(
        {
          scenario: SCENARIO,
          what: appliedWhat,
          unit: 'status',
          figures: result.applied,
          note: `from the first POST to the last status applied with its money (receiver: ${build}); CPU µs/unit: the receiver process only`,
        },
        {
          scenario: SCENARIO,
          what: `POST /webhooks/meta, ${perPost}/POST ${offered}`,
          unit: 'POST',
          figures: result.posts,
          ...(paced ? { note: 'latency from when each POST was due, so waiting for a free client counts' } : {}),
        },
        {
          scenario: SCENARIO,
          what: `status visible after its POST's 200 (latency columns)`,
          unit: 'status',
          figures: result.lag,
          note: "the event's applied_at (set in the applying transaction) minus the 200's arrival at the driver",
        },
      );
      if (!paced)
        rows.push({
          scenario: SCENARIO,
          what: `raw applier: 1 UPDATE … FROM unnest per ${RAW_BATCH} statuses, same rows`,
          unit: 'status',
          figures: await rawApply(pool, posts, ids),
          baselineFor: appliedWhat,
        });
    }
    return rows;
  } finally {
    await pool.end();
    await env.close();
  }
}
