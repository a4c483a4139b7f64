import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { DakConfig } from '@dak/config';
import { CallbackSubscriptions, ChangeFeed, createDatabase, type Database } from '@dak/db';
import { CALLBACK_USER_AGENT, OutboundPoster, createLogger, createMetricsRegistry } from '@dak/http';
import { GraphClient } from '@dak/meta';
import { CALLBACK_JOB_BATCH, DispatchState, createQueues, createRedis, type Queues } from '@dak/queue';
import { PhoneNumberCache } from './phone-number-cache';
import { createWorkerMetrics, type WorkerMetrics } from './metrics';
import { SigningSecrets } from './callbacks/signing-secrets';
import { LateAttempts } from './callbacks/late-attempts';

export interface WorkerContext {
  config: DakConfig;
  db: Database;
  redis: Redis;
  queues: Queues;
  /** The dispatcher's shared state in Redis: its lease, each number's schedule, pauses, slow-downs. */
  dispatch: DispatchState;
  graph: GraphClient;
  phones: PhoneNumberCache;
  logger: Logger;
  registry: Registry;
  metrics: WorkerMetrics;
  /** How long a claimed message may stay unanswered before the sweeper sends it again. */
  sendLeaseMs: number;
  /** Callback POSTs to the businesses' endpoints (keep-alive, SSRF-guarded). */
  outbound: OutboundPoster;
  signingSecrets: SigningSecrets;
  /** Postgres' announcements of changed callback endpoints, for callbackSubscriptions. */
  changes: ChangeFeed;
  /** Which callback events each account's endpoints want, remembered until they change. */
  callbackSubscriptions: CallbackSubscriptions;
  /** Callback attempts that outlived their job's first second, recorded when they end. */
  lateAttempts: LateAttempts;
}

/** Connections the worker keeps to one callback endpoint. */
const CALLBACK_SOCKETS_PER_ENDPOINT = 256;

export function createWorkerContext(config: DakConfig, overrides: Partial<WorkerContext> = {}): WorkerContext {
  const logger = overrides.logger ?? createLogger({ name: 'worker', level: config.logLevel });
  const db =
    overrides.db ??
    createDatabase({
      url: config.db.url,
      poolSize: config.db.poolSize,
      applicationName: 'dak-worker',
      onError: (error) => logger.warn({ err: error }, 'idle database connection failed'),
    });
  const redis = overrides.redis ?? createRedis(config.redis.url, 'worker');
  // ioredis reconnects by itself; without a listener it prints every failed attempt to stderr.
  if (!overrides.redis) redis.on('error', (error) => logger.warn({ err: error }, 'Redis connection error'));
  const registry = overrides.registry ?? createMetricsRegistry('worker');
  const changes =
    overrides.changes ??
    new ChangeFeed(config.db.url, (error) => logger.warn({ err: error }, 'change feed connection lost; reconnecting'));
  return {
    config,
    db,
    redis,
    queues: overrides.queues ?? createQueues(redis, config.redis.prefix),
    dispatch: overrides.dispatch ?? new DispatchState(redis, config.redis.prefix),
    graph:
      overrides.graph ??
      new GraphClient({
        baseUrl: config.meta.graphUrl,
        version: config.meta.graphVersion,
        timeoutMs: config.meta.requestTimeoutMs,
      }),
    phones: overrides.phones ?? new PhoneNumberCache(db, config.encryptionKey),
    logger,
    registry,
    metrics: overrides.metrics ?? createWorkerMetrics(registry),
    sendLeaseMs: overrides.sendLeaseMs ?? config.worker.sendLeaseMs,
    outbound:
      overrides.outbound ??
      new OutboundPoster({
        allowPrivate: config.callbacks.allowPrivateUrls,
        userAgent: CALLBACK_USER_AGENT,
        // A job POSTs its deliveries at once; a fast endpoint keeps these few busy, a slow one
        // makes the rest wait (see OutboundPoster.post).
        maxSocketsPerHost: CALLBACK_SOCKETS_PER_ENDPOINT,
      }),
    signingSecrets: overrides.signingSecrets ?? new SigningSecrets(config.encryptionKey),
    changes,
    callbackSubscriptions: overrides.callbackSubscriptions ?? new CallbackSubscriptions(changes),
    // As many as the job slots could hold (each job claims at most a batch), and per endpoint
    // as many as its connections carry.
    lateAttempts:
      overrides.lateAttempts ??
      new LateAttempts(config.callbacks.concurrency * CALLBACK_JOB_BATCH, CALLBACK_SOCKETS_PER_ENDPOINT),
  };
}

export async function closeWorkerContext(ctx: WorkerContext): Promise<void> {
  await ctx.changes.close();
  await ctx.queues.close();
  ctx.outbound.close();
  ctx.redis.disconnect();
  await ctx.db.destroy();
}
