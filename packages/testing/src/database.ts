import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
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
