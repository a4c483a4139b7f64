import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { DakConfig } from '@dak/config';
import {
  AccountCache,
  ChangeFeed,
  createDatabase,
  type ActiveApiKey,
  type Database,
  type PhoneNumber,
  type Template,
} from '@dak/db';
import { CALLBACK_USER_AGENT, OutboundPoster, createLogger, createMetricsRegistry } from '@dak/http';
import { GraphClient } from '@dak/meta';
import { createQueues, createRedis, type Queues } from '@dak/queue';
import { createAcceptCoalescer } from './resources/messages/accept';
import type { AcceptCoalescer } from './resources/messages/accept-coalescer';

/** Everything the API process needs, built once in main.ts (or by a test) and passed down. */
export interface ApiContext {
  config: DakConfig;
  db: Database;
  redis: Redis;
  queues: Queues;
  graph: GraphClient;
  logger: Logger;
  metrics: Registry;
  /** Concurrent sends of one account share one accept statement. */
  accepts: AcceptCoalescer;
  /** Postgres' announcements of changed keys, accounts, numbers and templates, for the caches. */
  changes: ChangeFeed;
  /**
   * What every send reads, kept in memory and dropped the moment another process changes it (a
   * revoked key, a new price, a paused template): keys by hash with their account's prices,
   * sending numbers by Meta id, templates by account and id or name.
   */
  cache: { apiKeys: AccountCache<ActiveApiKey>; senders: AccountCache<PhoneNumber>; templates: AccountCache<Template> };
  /** The registration ping of a callback URL (SSRF-guarded, as deliveries are). */
  outbound: OutboundPoster;
}

export function createApiContext(config: DakConfig, overrides: Partial<ApiContext> = {}): ApiContext {
  const logger = overrides.logger ?? createLogger({ name: 'api', level: config.logLevel });
  // Auto-pipelining: the rate-limit checks and enqueues of concurrent requests leave in one write
  // (a write system call per command was a fifth of the API's CPU under 64 clients).
  const redis = overrides.redis ?? createRedis(config.redis.url, 'producer', { enableAutoPipelining: true });
  // ioredis reconnects by itself; without a listener it prints every failed attempt to stderr.
  if (!overrides.redis) redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
  const db =
    overrides.db ??
    createDatabase({
      url: config.db.url,
      poolSize: config.db.poolSize,
      applicationName: 'dak-api',
      onError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
    });
  const queues = overrides.queues ?? createQueues(redis, config.redis.prefix);
  const metrics = overrides.metrics ?? createMetricsRegistry('api');
  const changes =
    overrides.changes ??
    new ChangeFeed(config.db.url, (error) => logger.warn({ err: error }, 'change feed connection lost; reconnecting'));
  return {
    config,
    db,
    redis,
    queues,
    graph:
      overrides.graph ??
      new GraphClient({
        baseUrl: config.meta.graphUrl,
        version: config.meta.graphVersion,
        timeoutMs: config.meta.requestTimeoutMs,
      }),
    logger,
    metrics,
    accepts: overrides.accepts ?? createAcceptCoalescer(db, metrics),
    changes,
    cache: overrides.cache ?? {
      apiKeys: new AccountCache<ActiveApiKey>(changes, ['api_keys', 'accounts'], (key) => key.account_id),
      senders: new AccountCache<PhoneNumber>(changes, ['phone_numbers'], (phone) => phone.account_id),
      templates: new AccountCache<Template>(changes, ['templates'], (template) => template.account_id),
    },
    outbound:
      overrides.outbound ??
      new OutboundPoster({
        allowPrivate: config.callbacks.allowPrivateUrls,
        userAgent: CALLBACK_USER_AGENT,
        maxSocketsPerHost: 4,
      }),
  };
}

/** Releases in order: queues, Redis, the pool. The HTTP server is closed by its owner first. */
export async function closeApiContext(ctx: ApiContext): Promise<void> {
  await ctx.changes.close();
  await ctx.queues.close();
  ctx.outbound.close();
  ctx.redis.disconnect();
  await ctx.db.destroy();
}
