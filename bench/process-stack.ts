// What the process scenarios (4, 6–9) run against: Dak's four apps as separate production
// processes (startDakProcesses: the compiled build when `pnpm build` has run), a fresh migrated
// database and Redis prefix of their own, one business registered in meta-sim and in Dak with
// its own phone numbers, an API key and a funded wallet. Everything is removed again by close().
import { randomBytes } from 'node:crypto';
import { createDatabase, sql, type Database } from '@dak/db';
import {
  adminClient,
  demoBusiness,
  seedAccount,
  startDakProcesses,
  type AdminClient,
  type DakProcesses,
} from '@dak/dev-env';
import { createBenchDatabase, deleteKeys, metaPhoneNumberId, type BenchTarget } from './env';

export interface ProcessBenchOptions {
  /** Worker processes. */
  workers: number;
  /** Messages/s of each phone number, in Dak and in meta-sim (one number per entry). */
  mps: number[];
  /** Wallet credit, a decimal string. */
  credit?: string;
  /** Another Redis than the target's (scenario 9 measures a Redis of its own). */
  redisUrl?: string;
  /** Added to every process's environment, after the defaults below. */
  env?: Record<string, string>;
  metaSimEnv?: Record<string, string>;
}

export interface ProcessBench {
  stack: DakProcesses;
  /** A small pool on the scenario's database, for polling counts. */
  db: Database;
  admin: AdminClient;
  apiKey: string;
  accountId: string;
  accessToken: string;
  /** Meta phone number ids, in the order of `options.mps`. */
  phoneNumbers: string[];
  queuePrefix: string;
  /** A call to meta-sim's control API (`/_sim…`); throws unless it answers 2xx. */
  sim<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Messages by status, e.g. `{ queued: 10, read: 90 }`; only the given sender (Meta id) when one is given. */
  countByStatus(phoneNumber?: string): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * Meta-sim sends its status webhooks to the receiver 10/20/30 ms after a send, with its pair
 * limit off (each scenario's recipients differ anyway) and no request log (it would cost the
 * simulator time the scenarios measure; the send log stays on).
 */
const META_SIM_DEFAULTS: Record<string, string> = {
  META_SIM_SENT_DELAY_MS: '10',
  META_SIM_DELIVERED_DELAY_MS: '20',
  META_SIM_READ_DELAY_MS: '30',
  META_SIM_PAIR_BURST: '0',
  META_SIM_PAIR_INTERVAL_MS: '0',
  META_SIM_MAX_RECORDED: '0',
};

export async function startProcessBench(target: BenchTarget, options: ProcessBenchOptions): Promise<ProcessBench> {
  const redisUrl = options.redisUrl ?? target.redisUrl;
  const database = await createBenchDatabase(target.databaseUrl);
  const queuePrefix = `dak-bench-${randomBytes(5).toString('hex')}`;
  const accessToken = `EAAG${randomBytes(24).toString('hex')}`;
  const db = createDatabase({ url: database.url, poolSize: 2 });
  const removeData = async () => {
    await db.destroy();
    await database.drop();
    await deleteKeys(redisUrl, queuePrefix);
  };
  let stack: DakProcesses;
  try {
    stack = await startDakProcesses({
      databaseUrl: database.url,
      redisUrl,
      queuePrefix,
      workers: options.workers,
      env: { TEMPLATE_SYNC_INTERVAL_MS: '0', ...options.env },
      metaSimEnv: { ...META_SIM_DEFAULTS, ...options.metaSimEnv },
      // BENCH_CPU_PROF_DIR=/tmp/prof pnpm bench --scenarios N: a CPU profile of every process.
      ...(process.env.BENCH_CPU_PROF_DIR
        ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] }
        : {}),
    });
  } catch (error) {
    await removeData();
    throw error;
  }
  const close = async () => {
    await stack.stop();
    await removeData();
  };
  try {
    const sim = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const answer = await fetch(`${stack.metaSimUrl}/_sim${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await answer.text();
      if (!answer.ok) throw new Error(`meta-sim ${method} /_sim${path} answered ${answer.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    };
    const phoneNumbers = options.mps.map((_, i) => metaPhoneNumberId(i));
    const business = demoBusiness(accessToken, {
      phone_numbers: phoneNumbers.map((id, i) => ({
        phone_number_id: id,
        display_phone_number: `1555078${String(i).padStart(4, '0')}`,
        mps: options.mps[i]!,
      })),
    });
    await sim('POST', '/businesses', business);
    const admin = adminClient(stack.apiUrl, stack.adminToken);
    const seeded = await seedAccount(admin, business, {
      credit: options.credit ?? '100000.00',
      requestsPerSecond: 10_000,
    });
    const countByStatus = async (phoneNumber?: string) => {
      const rows = await sql<{ status: string; n: number }>`
        select m.status, count(*)::int as n from messages m
        ${phoneNumber === undefined ? sql`` : sql`join phone_numbers p on p.id = m.sender_id and p.meta_phone_number_id = ${phoneNumber}`}
        group by m.status`.execute(db);
      return Object.fromEntries(rows.rows.map((r) => [r.status, r.n]));
    };
    return {
      stack,
      db,
      admin,
      apiKey: seeded.apiKey!,
      accountId: seeded.accountId,
      accessToken,
      phoneNumbers,
      queuePrefix,
      sim,
      countByStatus,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
