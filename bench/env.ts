// What every scenario runs against: a fresh migrated database of its own, Dak's whole stack in
// this process (startStack), a business with several fast phone numbers in both meta-sim and
// Dak, and an API key. Everything is dropped again at the end.
import { loadConfig } from '@dak/config';
import { createDatabase, ensureDatabaseExists, migrateToLatest } from '@dak/db';
import { createHmac, randomBytes } from 'node:crypto';
import {
  adminClient,
  demoBusiness,
  seedAccount,
  startStack,
  type DakProcesses,
  type TestDatabase,
  type TestStack,
} from '@dak/dev-env';
import { Redis, pg } from './deps';
import { HttpClient, runLanes, type HttpAnswer } from './load';

/** Postgres and Redis to use: DATABASE_URL / REDIS_URL when set, else the local defaults. */
export interface BenchTarget {
  databaseUrl: string;
  redisUrl: string;
}

export function benchTarget(): BenchTarget {
  const config = loadConfig(process.env);
  return { databaseUrl: config.db.url, redisUrl: config.redis.url };
}

/** Dak's own defaults (DATABASE_POOL_SIZE, WORKER_CONCURRENCY); the baselines get the same. */
export const POOL_SIZE = 10;
export const WORKER_CONCURRENCY = 100;
export const PHONE_NUMBERS = 8;
export const MPS = 500;
/** order_update: two body placeholders, a footer (from the demo templates). */
export const TEMPLATE = { id: '1284751902651784', name: 'order_update', language: 'en_US' } as const;
const WABA_DISPLAY_PREFIX = '1555078';

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function createBenchDatabase(baseUrl: string): Promise<TestDatabase> {
  const name = `dak_bench_${randomBytes(5).toString('hex')}`;
  const url = withDatabaseName(baseUrl, name);
  await ensureDatabaseExists(url);
  const db = createDatabase({ url, poolSize: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  return {
    url,
    name,
    async drop() {
      const admin = new pg.Client({ connectionString: withDatabaseName(baseUrl, 'postgres') });
      await admin.connect();
      try {
        await admin.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * Removes every Redis key under the env's prefix (the baselines' queues use it too): jobs
 * accepted while no worker ran, queue metadata, rate-limit schedules.
 */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface BenchEnv {
  stack: TestStack;
  apiKey: string;
  accountId: string;
  wabaId: string;
  /** Meta phone number ids, each registered in meta-sim and Dak at MPS. */
  phoneNumbers: string[];
  displayNumber(index: number): string;
  accessToken: string;
  queuePrefix: string;
  close(): Promise<void>;
}

export function metaPhoneNumberId(index: number): string {
  return `1065403522${String(index).padStart(5, '0')}`;
}

export function recipient(index: number): string {
  return `91${9_000_000_000 + index}`;
}

/** The send-message body Dak's API takes, for the index-th message. */
export function sendMessageBody(index: number, phoneNumber: string): string {
  return JSON.stringify({
    phone_number_id: phoneNumber,
    template_id: TEMPLATE.id,
    phone_number: recipient(index),
    variables: [{ type: 'body', values: [`Customer ${index}`, `ORD-${index}`] }],
  });
}

/**
 * Starts the stack on a fresh database. Meta-sim's pair limit is off and each number takes MPS,
 * so neither Meta's limits nor Dak's pacing is what a figure measures. Meta-sim sends no
 * webhooks: scenario 3 posts its own, so each scenario measures one path.
 */
export async function startBenchEnv(target: BenchTarget): Promise<BenchEnv> {
  const database = await createBenchDatabase(target.databaseUrl);
  const queuePrefix = `dak-bench-${randomBytes(5).toString('hex')}`;
  const accessToken = `EAAG${randomBytes(24).toString('hex')}`;
  const phoneNumbers = Array.from({ length: PHONE_NUMBERS }, (_, i) => metaPhoneNumberId(i));
  const displayNumber = (index: number) => `${WABA_DISPLAY_PREFIX}${String(index).padStart(4, '0')}`;
  const business = demoBusiness(accessToken, {
    phone_numbers: phoneNumbers.map((id, i) => ({
      phone_number_id: id,
      display_phone_number: displayNumber(i),
      mps: MPS,
    })),
  });
  let stack: TestStack;
  try {
    stack = await startStack({
      database,
      redisUrl: target.redisUrl,
      worker: false,
      env: {
        DATABASE_POOL_SIZE: String(POOL_SIZE),
        WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
        TEMPLATE_SYNC_INTERVAL_MS: '0',
        QUEUE_PREFIX: queuePrefix,
      },
      metaSim: {
        businesses: [business],
        pairRateLimit: { burst: 0, intervalMs: 0 },
        webhookDelaysMs: { sent: 10, delivered: 20, read: 30 },
      },
    });
  } catch (error) {
    await database.drop();
    throw error;
  }
  try {
    stack.sim.control.configureWebhooks({ url: null });
    // The benchmark measures Dak's own throughput, not the default 100 requests/s of a key.
    const seeded = await seedAccount(stack.admin, business, { credit: '100000.00', requestsPerSecond: 10_000 });
    return {
      stack,
      apiKey: seeded.apiKey!,
      accountId: seeded.accountId,
      wabaId: business.waba_id,
      phoneNumbers,
      displayNumber,
      accessToken,
      queuePrefix,
      async close() {
        await stack.close();
        await deleteKeys(target.redisUrl, queuePrefix);
      },
    };
  } catch (error) {
    await stack.close();
    throw error;
  }
}

/** A caller of POST /send-message with the env's key: the index-th message, from number index mod 8 unless given. */
export function sendMessageCaller(
  env: BenchEnv,
  client: HttpClient,
): (index: number, phoneNumber?: string) => Promise<HttpAnswer> {
  const url = `${env.stack.api.url}/api/whatsapp/v1/send-message`;
  const headers = { authorization: `Bearer ${env.apiKey}` };
  return (index, phoneNumber = env.phoneNumbers[index % env.phoneNumbers.length]!) =>
    client.post(url, sendMessageBody(index, phoneNumber), headers);
}

/** Accepts `count` messages as set-up (not a measurement) and returns their ids; throws unless all were accepted. */
export async function seedQueuedMessages(
  env: BenchEnv,
  count: number,
  options: { offset?: number; concurrency?: number; phoneNumber?: string } = {},
): Promise<string[]> {
  const concurrency = options.concurrency ?? 32;
  const client = new HttpClient(concurrency);
  const send = sendMessageCaller(env, client);
  const ids: string[] = [];
  try {
    const figures = await runLanes(count, concurrency, async (i) => {
      const answer = await send((options.offset ?? 0) + i, options.phoneNumber);
      if (answer.status === 200) ids.push((JSON.parse(answer.body) as { message_id: string }).message_id);
      return String(answer.status);
    });
    if (figures.outcomes['200'] !== count)
      throw new Error(`accepting the messages failed: ${JSON.stringify(figures.outcomes)}`);
    return ids;
  } finally {
    client.close();
  }
}

/** Registers the business in the processes' meta-sim and seeds it in Dak (numbers, credit, templates, a key). */
export async function seedProcessesAccount(
  stack: DakProcesses,
  business: ReturnType<typeof demoBusiness>,
  credit: string,
) {
  const registered = await fetch(`${stack.metaSimUrl}/_sim/businesses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(business),
  });
  if (!registered.ok) throw new Error(`meta-sim refused the business: ${await registered.text()}`);
  return seedAccount(adminClient(stack.apiUrl, stack.adminToken), business, { credit, requestsPerSecond: 10_000 });
}

export const STATUSES = ['sent', 'delivered', 'read'] as const;

/** Meta's sent, delivered and read statuses for each message (all sent first), a second apart. */
export function statusesOf(messages: { id: string; wamid: string; recipient: string }[]) {
  const baseSeconds = Math.floor(Date.now() / 1000);
  return STATUSES.flatMap((status, step) =>
    messages.map((m) => ({
      id: m.wamid,
      status,
      timestamp: String(baseSeconds + step),
      recipient_id: m.recipient,
      biz_opaque_callback_data: m.id,
      ...(status === 'read'
        ? {}
        : { pricing: { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' } }),
    })),
  );
}

/** Meta's envelope around statuses from one number, and its signature over the exact bytes. */
export function signedStatusPost(
  wabaId: string,
  metadata: { display_phone_number: string; phone_number_id: string },
  statuses: unknown[],
  appSecret: string,
): { body: string; signature: string } {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      { id: wabaId, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata, statuses } }] },
    ],
  });
  return { body, signature: `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}` };
}
