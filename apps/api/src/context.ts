import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { DakConfig } from '@dak/config';
import { createDatabase, type Database } from '@dak/db';
import { createLogger, createMetricsRegistry } from '@dak/http';
import { GraphClient } from '@dak/meta';
import { createQueues, createRedis, type Queues } from '@dak/queue';

/** Everything the API process needs, built once in main.ts (or by a test) and passed down. */
export interface ApiContext {
  config: DakConfig;
  db: Database;
  redis: Redis;
  queues: Queues;
  graph: GraphClient;
  logger: Logger;
  metrics: Registry;
}

export function createApiContext(config: DakConfig, overrides: Partial<ApiContext> = {}): ApiContext {
  const logger = overrides.logger ?? createLogger({ name: 'api', level: config.logLevel });
  const redis = overrides.redis ?? createRedis(config.redis.url, 'producer');
  // ioredis reconnects by itself; without a listener it prints every failed attempt to stderr.
  if (!overrides.redis) redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
  return {
    config,
    db: overrides.db ?? createDatabase({
      url: config.db.url,
      poolSize: config.db.poolSize,
      applicationName: 'dak-api',
      onError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
    }),
    redis,
    queues: overrides.queues ?? createQueues(redis, config.redis.prefix),
    graph:
      overrides.graph ??
      new GraphClient({ baseUrl: config.meta.graphUrl, version: config.meta.graphVersion, timeoutMs: config.meta.requestTimeoutMs }),
    logger,
    metrics: overrides.metrics ?? createMetricsRegistry('api'),
  };
}

/** Releases in order: queues, Redis, the pool. The HTTP server is closed by its owner first. */
export async function closeApiContext(ctx: ApiContext): Promise<void> {
  await ctx.queues.close();
  ctx.redis.disconnect();
  await ctx.db.destroy();
}
