import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DakConfig } from '@dak/config';
import { CallbackSubscriptions, ChangeFeed, createDatabase, type Database } from '@dak/db';
import { createLogger, createMetricsRegistry } from '@dak/http';
import { createQueues, createRedis, type Queues } from '@dak/queue';
import { Counter } from 'prom-client';

export interface WebhooksContext {
  config: DakConfig;
  db: Database;
  /** For the callbacks queue only: the receiver stores and applies Meta's events without Redis. */
  redis: Redis;
  queues: Queues;
  /** Postgres' announcements of changed callback endpoints, for callbackSubscriptions. */
  changes: ChangeFeed;
  /** Which callback events each account's endpoints want, remembered until they change. */
  callbackSubscriptions: CallbackSubscriptions;
  logger: Logger;
  registry: Registry;
  metrics: { received: Counter<'outcome'>; applied: Counter<'kind'>; rejected: Counter<'reason'> };
}

export function createWebhooksContext(config: DakConfig, overrides: Partial<WebhooksContext> = {}): WebhooksContext {
  const logger = overrides.logger ?? createLogger({ name: 'webhooks', level: config.logLevel });
  const registry = overrides.registry ?? createMetricsRegistry('webhooks');
  const redis = overrides.redis ?? createRedis(config.redis.url, 'producer');
  // ioredis reconnects by itself; without a listener it prints every failed attempt to stderr.
  if (!overrides.redis) redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
  const changes =
    overrides.changes ??
    new ChangeFeed(config.db.url, (error) => logger.warn({ err: error }, 'change feed connection lost; reconnecting'));
  return {
    config,
    redis,
    changes,
    callbackSubscriptions: overrides.callbackSubscriptions ?? new CallbackSubscriptions(changes),
    queues: overrides.queues ?? createQueues(redis, config.redis.prefix),
    db:
      overrides.db ??
      createDatabase({
        url: config.db.url,
        poolSize: config.db.poolSize,
        applicationName: 'dak-webhooks',
        onError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
      }),
    logger,
    registry,
    metrics: overrides.metrics ?? {
      received: new Counter({
        name: 'dak_webhooks_received_total',
        help: 'Webhook POSTs by outcome',
        labelNames: ['outcome'],
        registers: [registry],
      }),
      applied: new Counter({
        name: 'dak_webhooks_events_applied_total',
        help: 'Events applied by kind',
        labelNames: ['kind'],
        registers: [registry],
      }),
      rejected: new Counter({
        name: 'dak_webhooks_events_rejected_total',
        help: 'Events closed without being applied because they did not prove whose they are, by reason',
        labelNames: ['reason'],
        registers: [registry],
      }),
    },
  };
}

/** Releases the queues, Redis and the pool; the server and the applier are stopped by their owner first. */
export async function closeWebhooksContext(ctx: WebhooksContext): Promise<void> {
  await ctx.changes.close();
  await ctx.queues.close();
  ctx.redis.disconnect();
  await ctx.db.destroy();
}
