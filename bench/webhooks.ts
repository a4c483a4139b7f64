// Scenario 3: how fast the webhook receiver takes Meta's status callbacks. Messages are accepted
// first (no worker) and given wamids, as if Meta had taken them; then signed status webhooks
// (sent, delivered, read for each) are POSTed to apps/webhooks, batched as Meta does (many
// statuses per POST) or one per POST. "stored" is the rate of answered POSTs (each one's events
// are in Postgres before its 200); "applied" runs until the applier has moved every message to
// `read` and captured its charge. Baselines: raw pg INSERTs of the same rows, batched alike, and
// a raw applier doing one guarded UPDATE per status.
import { sql } from '@dak/db';
import { pg, type PgPool } from './deps';
import {
  POOL_SIZE,
  seedQueuedMessages,
  signedStatusPost,
  startBenchEnv,
  statusesOf,
  type BenchEnv,
  type BenchTarget,
} from './env';
import { HttpClient, measure, runLanes, waitUntil, type RunFigures } from './load';
import type { ResultRow } from './report';

export interface WebhookSizes {
  messages: number;
  statusesPerPost: number[];
  concurrency: number;
  timeoutMs: number;
}

const SCENARIO = '3 webhooks';
const APPLY_BATCH = 500;

interface StatusRow {
  dedupe_key: string;
  message_id: string;
  wamid: string;
  status: string;
  occurred_at: Date;
  payload: string;
}

interface Prepared {
  posts: { body: string; signature: string }[];
  rows: StatusRow[];
  messageIds: string[];
}

/** Accepts `count` messages from one number and gives them wamids, as Meta's 200 would. */
async function acceptWithWamids(
  env: BenchEnv,
  count: number,
  offset: number,
  concurrency: number,
): Promise<{ id: string; wamid: string; recipient: string }[]> {
  const ids = await seedQueuedMessages(env, count, { offset, concurrency, phoneNumber: env.phoneNumbers[0]! });
  const updated = await sql<{ id: string; wamid: string; recipient: string }>`
    update messages set wamid = 'wamid.HBgM' || upper(substr(id, 5)) where id = any(${ids}) returning id, wamid, recipient`.execute(
    env.stack.api.ctx.db,
  );
  return updated.rows;
}

/** Meta's envelope, signed over the exact bytes with the app secret, `perPost` statuses each. */
function prepare(
  env: BenchEnv,
  messages: { id: string; wamid: string; recipient: string }[],
  perPost: number,
): Prepared {
  const metadata = { display_phone_number: env.displayNumber(0), phone_number_id: env.phoneNumbers[0]! };
  const statuses = statusesOf(messages);
  const posts: Prepared['posts'] = [];
  for (let i = 0; i < statuses.length; i += perPost)
    posts.push(
      signedStatusPost(env.wabaId, metadata, statuses.slice(i, i + perPost), env.stack.config.meta.appSecrets[0]!),
    );
  // The rows Dak's receiver stores for these statuses, for the raw INSERT baseline.
  const rows = statuses.map((status) => ({
    dedupe_key: `status:${status.id}:${status.status}`,
    message_id: status.biz_opaque_callback_data,
    wamid: status.id,
    status: status.status,
    occurred_at: new Date(Number(status.timestamp) * 1000),
    payload: JSON.stringify({ waba_id: env.wabaId, metadata, status }),
  }));
  return { posts, rows, messageIds: messages.map((m) => m.id) };
}

async function appliedStatuses(env: BenchEnv): Promise<number> {
  const metric = await env.stack.webhooks.ctx.metrics.applied.get();
  return metric.values.find((v) => v.labels.kind === 'status')?.value ?? 0;
}

async function dakIngest(
  env: BenchEnv,
  prepared: Prepared,
  sizes: WebhookSizes,
): Promise<{ stored: RunFigures; applied: RunFigures }> {
  const client = new HttpClient(sizes.concurrency);
  const url = `${env.stack.webhooks.url}/webhooks/meta`;
  const before = await appliedStatuses(env);
  const events = prepared.rows.length;
  let stored: RunFigures | undefined;
  try {
    const applied = await measure(events, async () => {
      stored = await runLanes(
        prepared.posts.length,
        sizes.concurrency,
        async (i) => {
          const post = prepared.posts[i]!;
          return String((await client.post(url, post.body, { 'x-hub-signature-256': post.signature })).status);
        },
        events,
      );
      await waitUntil(async () => (await appliedStatuses(env)) - before >= events, sizes.timeoutMs);
      const byStatus = await sql<{ status: string; count: number }>`
        select status, count(*)::int as count from messages where id = any(${prepared.messageIds}) group by status`.execute(
        env.stack.api.ctx.db,
      );
      return Object.fromEntries(byStatus.rows.map((r) => [r.status, r.count]));
    });
    return { stored: stored!, applied };
  } finally {
    client.close();
  }
}

async function rawInsert(
  pool: PgPool,
  rows: StatusRow[],
  perStatement: number,
  concurrency: number,
): Promise<RunFigures> {
  const statements = Math.ceil(rows.length / perStatement);
  return runLanes(
    statements,
    concurrency,
    async (i) => {
      const chunk = rows.slice(i * perStatement, (i + 1) * perStatement);
      const values: unknown[] = [];
      const tuples = chunk.map((row, j) => {
        values.push(
          `raw:${row.dedupe_key}`,
          'status',
          row.message_id,
          row.wamid,
          row.status,
          row.occurred_at,
          row.payload,
        );
        return `(${Array.from({ length: 7 }, (_, k) => `$${j * 7 + k + 1}`).join(', ')})`;
      });
      const result = await pool.query(
        `insert into bench_events (dedupe_key, kind, message_id, wamid, status, occurred_at, payload) values ${tuples.join(', ')}
         on conflict (dedupe_key) do nothing`,
        values,
      );
      return result.rowCount === chunk.length ? 'ok' : 'short';
    },
    rows.length,
  );
}

/** One guarded UPDATE per status (the forward-only rule), APPLY_BATCH per transaction, as one applier. */
async function rawApply(pool: PgPool, rows: StatusRow[]): Promise<RunFigures> {
  return measure(rows.length, async () => {
    const client = await pool.connect();
    let moved = 0;
    try {
      for (let i = 0; i < rows.length; i += APPLY_BATCH) {
        await client.query('begin');
        for (const row of rows.slice(i, i + APPLY_BATCH)) {
          const result = await client.query(
            `update bench_apply_messages set status = case when dak_status_rank(status) < dak_status_rank($2) then $2 else status end,
               updated_at = now() where id = $1`,
            [row.message_id, row.status],
          );
          moved += result.rowCount ?? 0;
        }
        await client.query('commit');
      }
    } finally {
      client.release();
    }
    return { updated: moved };
  });
}

export async function benchWebhooks(target: BenchTarget, sizes: WebhookSizes): Promise<ResultRow[]> {
  const env = await startBenchEnv(target);
  const pool = new pg.Pool({ connectionString: env.stack.database.url, max: POOL_SIZE });
  // The scenario's database is dropped with force at the end; a connection still closing then is not an error.
  pool.on('error', () => undefined);
  const rows: ResultRow[] = [];
  try {
    await pool.query('create table bench_events (like message_events including all)');
    await pool.query('create table bench_apply_messages (like messages including all)');
    for (const [round, perPost] of sizes.statusesPerPost.entries()) {
      const messages = await acceptWithWamids(env, sizes.messages, round * sizes.messages, sizes.concurrency);
      const prepared = prepare(env, messages, perPost);
      const { stored, applied } = await dakIngest(env, prepared, sizes);
      const storedWhat = `Dak POST /webhooks/meta, ${perPost} status${perPost === 1 ? '' : 'es'}/POST: stored`;
      const appliedWhat = `Dak, ${perPost}/POST: stored and applied`;
      rows.push({ scenario: SCENARIO, what: storedWhat, unit: 'event', figures: stored });
      rows.push({
        scenario: SCENARIO,
        what: appliedWhat,
        unit: 'event',
        figures: applied,
        note: `every status applied ${(applied.seconds - stored.seconds).toFixed(2)} s after the last POST was answered`,
      });
      rows.push({
        scenario: SCENARIO,
        what: `raw pg INSERT, ${perPost} row${perPost === 1 ? '' : 's'}/statement`,
        unit: 'event',
        figures: await rawInsert(pool, prepared.rows, perPost, sizes.concurrency),
        baselineFor: storedWhat,
      });
      if (round === 0) {
        await pool.query('insert into bench_apply_messages select * from messages where id = any($1)', [
          prepared.messageIds,
        ]);
        rows.push({
          scenario: SCENARIO,
          what: `raw applier: 1 UPDATE/status, ${APPLY_BATCH}/tx`,
          unit: 'event',
          figures: await rawApply(pool, prepared.rows),
          baselineFor: appliedWhat,
        });
      }
    }
    return rows;
  } finally {
    await pool.end();
    await env.close();
  }
}
