import { Kysely, Migrator, PostgresDialect, type MigrationResultSet } from 'kysely';
import pg from 'pg';
import type { DB } from './schema/index';
import { migrations } from './migrations/index';

export type Database = Kysely<DB>;

const INT8_OID = 20;

/**
 * int8 as a JS number. Amounts are capped far below 2^53 (MAX_TOPUP_MINOR); a value past it
 * fails loudly rather than losing a paisa to rounding.
 */
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed))
    throw new RangeError(`int8 value ${value} is beyond 2^53 and cannot be read exactly`);
  return parsed;
}

/**
 * How long a query waits for a pooled connection. Without a bound, every request would hang
 * while Postgres is down; with it, the caller gets "timeout exceeded when trying to connect",
 * which the error middleware answers with 503.
 */
const CONNECT_TIMEOUT_MS = 5_000;

/** Builds the pool and Kysely; int8 columns come back as numbers (amounts are far below 2^53). */
export function createDatabase(options: {
  url: string;
  poolSize?: number;
  applicationName?: string;
  connectTimeoutMs?: number;
  onError?: (error: Error) => void;
}): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: options.applicationName ?? 'dak',
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle connection that dies (Postgres restarted, the connection was terminated) is
  // dropped by the pool; without a listener its error would crash the process.
  pool.on('error', (error) => options.onError?.(error));
  // The pool listens only while a connection is idle. One that dies while checked out fails
  // its running query, or the next one ("not queryable"), so its caller already reports it
  // (503, a retried job); the client then also emits 'error', which must not become an
  // unhandled event that ends the process. The pool drops such a client on release.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** Creates the database named in `url` when it does not exist yet (local start, tests). */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A connection lost mid-query fails that query (awaited below); its 'error' event must not crash.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`create database "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (error) {
    // Another process created it between the check and the create.
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await client.end();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not DB
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
