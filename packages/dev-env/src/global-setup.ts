import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { createDatabase, migrateToLatest } from '@dak/db';
import { LOCAL_POSTGRES, LOCAL_REDIS, postgresAnswers, redisAnswers } from './services';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    templateDatabase: string;
    redisUrl: string;
  }
}

/**
 * One real Postgres and one real Redis for the whole run: DATABASE_URL / REDIS_URL when given,
 * else the local services, else containers (only where a Docker engine answers). Migrations run
 * once into a template database; each test file clones it.
 */
export default async function setup(project: TestProject) {
  const stops: (() => Promise<unknown>)[] = [];
  let postgresUrl = process.env.DATABASE_URL ?? LOCAL_POSTGRES;
  let redisUrl = process.env.REDIS_URL ?? LOCAL_REDIS;

  if (!(await postgresAnswers(adminUrl(postgresUrl)))) {
    if (process.env.DATABASE_URL) throw new Error(`DATABASE_URL ${redact(postgresUrl)} does not answer`);
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:15-alpine').start();
    postgresUrl = container.getConnectionUri();
    stops.push(() => container.stop());
  }
  if (!(await redisAnswers(redisUrl))) {
    if (process.env.REDIS_URL) throw new Error(`REDIS_URL ${redisUrl} does not answer`);
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    redisUrl = container.getConnectionUrl();
    stops.push(() => container.stop());
  }

  const admin = adminUrl(postgresUrl);
  const template = `dak_test_template_${process.pid}`;
  await recreateDatabase(admin, template);
  const db = createDatabase({ url: withDatabase(admin, template), poolSize: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }

  project.provide('postgresAdminUrl', admin);
  project.provide('templateDatabase', template);
  project.provide('redisUrl', redisUrl);

  return async () => {
    await dropDatabase(admin, template);
    for (const stop of stops) await stop();
  };
}

export function adminUrl(url: string): string {
  return withDatabase(url, 'postgres');
}

export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function recreateDatabase(admin: string, name: string) {
  await dropDatabase(admin, name);
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(admin: string, name: string) {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}
