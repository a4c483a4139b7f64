// Scenario 1: how fast Dak accepts sends. POST /send-message under concurrency with no worker
// running, so only the accept path is measured (key lookup, validation, one transaction with
// the message row and the wallet hold, then the enqueue). Baselines: the same number of raw pg
// transactions (one INSERT + the wallet UPDATE) at the same concurrency and pool size, raw
// BullMQ queue.add, the two one after the other, and the same four round trips Dak makes (its
// three lookups, then one statement holding, inserting the message and its ledger entry)
// followed by queue.add.
import { hashApiKey, newId } from '@dak/core';
import { bullmq, pg, type PgPool } from './deps';
import { POOL_SIZE, TEMPLATE, recipient, sendMessageCaller, startBenchEnv, type BenchTarget } from './env';
import { HttpClient, runLanes } from './load';
import type { ResultRow } from './report';

export interface AcceptSizes {
  requests: number;
  concurrency: number;
  warmup: number;
}

const SCENARIO = '1 accept';
const PRICE_MINOR = 10;

/** A message row as Dak's accept path inserts it, column for column. */
function messageRow(index: number, accountId: string, senderId: string) {
  const now = new Date();
  return [
    newId('msg'),
    accountId,
    senderId,
    TEMPLATE.id,
    TEMPLATE.name,
    TEMPLATE.language,
    'UTILITY',
    recipient(index),
    JSON.stringify([{ type: 'body', values: [`Customer ${index}`, `ORD-${index}`] }]),
    JSON.stringify([
      {
        type: 'body',
        parameters: [
          { type: 'text', text: `Customer ${index}` },
          { type: 'text', text: `ORD-${index}` },
        ],
      },
    ]),
    'queued',
    null,
    PRICE_MINOR,
    'INR',
    'held',
    null,
    now,
    now,
  ];
}

const INSERT_MESSAGE = `insert into bench_messages (id, account_id, sender_id, template_id, template_name, template_language,
  template_category, recipient, variables, components, status, client_reference, price_minor, currency, charge_state,
  expires_at, queued_at, updated_at) values (${Array.from({ length: 18 }, (_, i) => `$${i + 1}`).join(', ')})`;
const HOLD = `update bench_wallets set available = available - $1, held = held + $1, updated_at = now()
  where account_id = $2 and available >= $1`;

interface RawIds {
  accountId: string;
  senderId: string;
  metaPhoneNumberId: string;
  keyHash: string;
}

// The three lookups Dak's accept path makes (key with its account's prices, sender, template).
const LOOKUPS: [string, (ids: RawIds) => unknown[]][] = [
  [
    `select k.*, a.currency, a.price_minor, a.category_prices from api_keys k join accounts a on a.id = k.account_id
      where k.key_hash = $1 and k.revoked_at is null and (k.expires_at is null or k.expires_at > now())`,
    (ids) => [ids.keyHash],
  ],
  ['select * from phone_numbers where meta_phone_number_id = $1', (ids) => [ids.metaPhoneNumberId]],
  ['select * from templates where account_id = $1 and id = $2', (ids) => [ids.accountId, TEMPLATE.id]],
];
// Dak's accept statement: the hold, and only if it took, the message and its ledger entry.
const ACCEPT_AS_DAK = `with hold as (
    update bench_wallets set available = available - $13, held = held + $13, updated_at = now()
    where account_id = $2 and available >= $13 returning account_id
  ), message as (
    insert into bench_messages (id, account_id, sender_id, template_id, template_name, template_language,
      template_category, recipient, variables, components, status, client_reference, price_minor, currency, charge_state,
      expires_at, queued_at, updated_at)
    select ${Array.from({ length: 18 }, (_, i) => `$${i + 1}`).join(', ')} from hold
  ), ledger as (
    insert into bench_ledger_entries (account_id, message_id, kind, amount_minor) select account_id, $1, 'hold', $13 from hold
  )
  select count(*)::int as held from hold`;

/** One accept in raw pg: the transaction alone, or (`asDak`) Dak's lookups and its one accept statement. */
async function rawTransaction(pool: PgPool, index: number, ids: RawIds, asDak = false): Promise<string> {
  if (asDak) {
    for (const [text, params] of LOOKUPS) await pool.query(text, params(ids));
    const accepted = await pool.query(ACCEPT_AS_DAK, messageRow(index, ids.accountId, ids.senderId));
    return accepted.rows[0].held === 1 ? 'ok' : 'no funds';
  }
  const client = await pool.connect();
  try {
    const row = messageRow(index, ids.accountId, ids.senderId);
    await client.query('begin');
    await client.query(INSERT_MESSAGE, row);
    const held = await client.query(HOLD, [PRICE_MINOR, ids.accountId]);
    await client.query('commit');
    return held.rowCount === 1 ? 'ok' : 'no funds';
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function benchAccept(target: BenchTarget, sizes: AcceptSizes): Promise<ResultRow[]> {
  const env = await startBenchEnv(target);
  const client = new HttpClient(sizes.concurrency);
  const pool = new pg.Pool({ connectionString: env.stack.database.url, max: POOL_SIZE });
  // The scenario's database is dropped with force at the end; a connection still closing then is not an error.
  pool.on('error', () => undefined);
  // Dak's own producer connection, so the queue baseline talks to Redis exactly as the API does.
  const rawQueue = new bullmq.Queue('bench-raw-send', {
    connection: env.stack.api.ctx.redis,
    prefix: `${env.queuePrefix}-raw`,
  });
  try {
    const call = sendMessageCaller(env, client);
    const send = async (index: number) => String((await call(index)).status);
    await runLanes(sizes.warmup, sizes.concurrency, send);
    const dak = await runLanes(sizes.requests, sizes.concurrency, (i) => send(sizes.warmup + i));

    // The baselines write to copies of Dak's tables (same columns, indexes and checks), so
    // Dak's own rows and wallet are left as they were.
    await pool.query('create table bench_messages (like messages including all)');
    await pool.query('create table bench_wallets (like wallets including all)');
    await pool.query('create table bench_ledger_entries (like ledger_entries including all)');
    await pool.query(
      `insert into bench_wallets (account_id, currency, available, topped_up) values ($1, 'INR', 1000000000, 1000000000)`,
      [env.accountId],
    );
    const { rows } = await pool.query<{ id: string }>('select id from phone_numbers where meta_phone_number_id = $1', [
      env.phoneNumbers[0],
    ]);
    const ids: RawIds = {
      accountId: env.accountId,
      senderId: rows[0]!.id,
      metaPhoneNumberId: env.phoneNumbers[0]!,
      keyHash: hashApiKey(env.apiKey),
    };

    const transaction = (i: number) => rawTransaction(pool, i, ids);
    const enqueue = async () => {
      const id = newId('msg');
      await rawQueue.add(
        'send',
        { messageId: id, senderId: ids.senderId },
        // Dak's send job options: job id = message id, 8 attempts with backoff, nothing kept.
        {
          jobId: id,
          attempts: 8,
          backoff: { type: 'exponential', delay: 1_000 },
          removeOnComplete: true,
          removeOnFail: true,
        },
      );
      return 'queued';
    };
    await runLanes(sizes.warmup, sizes.concurrency, (i) => transaction(1_000_000 + i));
    const pgFigures = await runLanes(sizes.requests, sizes.concurrency, (i) => transaction(2_000_000 + i));
    await runLanes(sizes.warmup, sizes.concurrency, enqueue);
    const queueFigures = await runLanes(sizes.requests, sizes.concurrency, enqueue);
    const both = await runLanes(sizes.requests, sizes.concurrency, async (i) => {
      const outcome = await transaction(3_000_000 + i);
      await enqueue();
      return outcome;
    });
    const sameStatements = await runLanes(sizes.requests, sizes.concurrency, async (i) => {
      const outcome = await rawTransaction(pool, 4_000_000 + i, ids, true);
      await enqueue();
      return outcome;
    });

    const dakWhat = `Dak POST /send-message, ${sizes.concurrency} clients, no worker`;
    return [
      { scenario: SCENARIO, what: dakWhat, unit: 'req', figures: dak },
      {
        scenario: SCENARIO,
        what: 'raw pg tx: INSERT + wallet UPDATE',
        unit: 'tx',
        figures: pgFigures,
        baselineFor: dakWhat,
      },
      { scenario: SCENARIO, what: 'raw BullMQ queue.add', unit: 'job', figures: queueFigures, baselineFor: dakWhat },
      { scenario: SCENARIO, what: 'raw pg tx, then queue.add', unit: 'op', figures: both, baselineFor: dakWhat },
      {
        scenario: SCENARIO,
        what: "raw pg, Dak's 4 round trips (3 lookups, 1 accept statement), then queue.add",
        unit: 'op',
        figures: sameStatements,
        baselineFor: dakWhat,
      },
    ];
  } finally {
    client.close();
    await rawQueue.obliterate({ force: true }).catch(() => undefined);
    await rawQueue.close();
    await pool.end();
    await env.close();
  }
}
