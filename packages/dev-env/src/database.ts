import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { createDatabase, type Database } from '@dak/db';
import { dropDatabase, withDatabase } from './global-setup';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = inject('postgresAdminUrl');
  const template = inject('templateDatabase');
  const name = `dak_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database "${name}" template "${template}"`);
  } finally {
    await client.end();
  }
  return { url: withDatabase(admin, name), name, drop: () => dropDatabase(admin, name) };
}

export function testRedisUrl(): string {
  return inject('redisUrl');
}

export function uniquePrefix(label = 'dak-test'): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

/**
 * For a file of repository tests: a cloned database and a pool on it, made before the file's
 * tests and dropped after them. Read `.db` inside the tests (it exists only once they run).
 */
export function useTestDatabase(poolSize = 4): { readonly db: Database } {
  let database: TestDatabase | undefined;
  let db: Database | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDatabase({ url: database.url, poolSize });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });
  return {
    get db() {
      if (!db)
        throw new Error("useTestDatabase().db is read before the file's tests run: read it inside a test or hook");
      return db;
    },
  };
}
