import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type DakConfig } from '@dak/config';
import {
  closeApiContext,
  createApiContext,
  createApp,
  startAutomationRecovery,
  startMediaRetention,
  type ApiContext,
} from '@dak/api';
import { listen, type RunningServer } from '@dak/http';
import { startMetaSim, type MetaSimOptions, type RunningMetaSim } from '@dak/meta-sim';
import {
  EventApplier,
  closeWebhooksContext,
  createWebhooksApp,
  createWebhooksContext,
  type WebhooksContext,
} from '@dak/webhooks';
import {
  closeWorkerContext,
  createWorkerContext,
  startWorkers,
  type RunningWorkers,
  type WorkerContext,
} from '@dak/worker';
import { createTestDatabase, testRedisUrl, uniquePrefix, type TestDatabase } from './database';
import { adminClient, demoBusiness, seedAccount, type AdminClient, type SeededAccount } from './demo';

export interface StackOptions {
  metaSim?: Partial<MetaSimOptions>;
  /** Start the worker (default true); tests of the accept path alone can leave it off. */
  worker?: boolean;
  env?: Record<string, string>;
  workerOverrides?: Partial<WorkerContext>;
  /**
   * Run the API's periodic automation recovery (default true). A test that calls
   * evaluateStaleEvents itself turns it off, so the background pass cannot claim its events first.
   */
  automationRecovery?: boolean;
  /** Outside vitest (benchmarks): the database to use and the Redis URL; default a clone per test file. */
  database?: TestDatabase;
  redisUrl?: string;
}

export interface TestStack {
  config: DakConfig;
  database: TestDatabase;
  sim: RunningMetaSim;
  api: RunningServer & { ctx: ApiContext };
  webhooks: RunningServer & { ctx: WebhooksContext; applier: EventApplier };
  worker: { ctx: WorkerContext; workers: RunningWorkers } | undefined;
  admin: AdminClient;
  adminToken: string;
  accessToken: string;
  /** Seeds the demo business (registered in meta-sim) into Dak; returns its ids and an API key. */
  seedDemo(options?: { credit?: string }): Promise<SeededAccount & { apiKey: string }>;
  /** Calls the public API with a key. */
  call(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  startWorker(overrides?: Partial<WorkerContext>): Promise<{ ctx: WorkerContext; workers: RunningWorkers }>;
  close(): Promise<void>;
}

/**
 * The whole of Dak in one test process, each part on its own free port: a cloned database, a
 * Redis key prefix of its own, meta-sim, the webhook receiver, the API and a worker. Real HTTP
 * between all of them.
 */
export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  const database = options.database ?? (await createTestDatabase());
  const adminToken = randomBytes(24).toString('hex');
  const accessToken = `EAAG${randomBytes(24).toString('hex')}`;
  // A media folder of the stack's own: media retention deletes files its database does not know,
  // so stacks (and a local Dak) must not share one.
  const mediaDir = await mkdtemp(join(tmpdir(), 'dak-test-media-'));
  const baseEnv = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '5',
    REDIS_URL: options.redisUrl ?? testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix(),
    DAK_ADMIN_TOKEN: adminToken,
    META_APP_SECRET: randomBytes(16).toString('hex'),
    META_VERIFY_TOKEN: randomBytes(8).toString('hex'),
    WORKER_CONCURRENCY: '20',
    SWEEP_INTERVAL_MS: '1000',
    // Tests set tiers with the admin API, which a read from meta-sim would replace whenever the
    // worker's schedule fired; a test of the tier sync turns it on.
    MESSAGING_TIER_SYNC_INTERVAL_MS: '0',
    MEDIA_DIR: mediaDir,
    ...options.env,
  };

  const webhooksConfig = loadConfig(baseEnv);
  const webhooksCtx = createWebhooksContext(webhooksConfig);
  const applier = new EventApplier(webhooksCtx);
  applier.start();
  const webhooksServer = await listen(createWebhooksApp(webhooksCtx, applier), 0);

  const sim = await startMetaSim({
    appSecret: webhooksConfig.meta.appSecrets[0]!,
    verifyToken: webhooksConfig.meta.verifyToken,
    webhookUrl: `${webhooksServer.url}/webhooks/meta`,
    businesses: [demoBusiness(accessToken)],
    webhookDelaysMs: { sent: 10, delivered: 30, read: 60 },
    randomSeed: 1,
    ...options.metaSim,
  });

  const config = loadConfig({ ...baseEnv, META_GRAPH_URL: sim.url });
  const apiCtx = createApiContext(config);
  const apiServer = await listen(createApp(apiCtx), 0);
  const recovery = options.automationRecovery === false ? { stop: async () => {} } : startAutomationRecovery(apiCtx);
  const mediaRetention = startMediaRetention(apiCtx);
  const admin = adminClient(apiServer.url, adminToken);

  const stack: TestStack = {
    config,
    database,
    sim,
    api: { ...apiServer, ctx: apiCtx },
    webhooks: { ...webhooksServer, ctx: webhooksCtx, applier },
    worker: undefined,
    admin,
    adminToken,
    accessToken,
    async seedDemo(seedOptions = {}) {
      const seeded = await seedAccount(admin, demoBusiness(accessToken), { credit: seedOptions.credit ?? '100.00' });
      return { ...seeded, apiKey: seeded.apiKey! };
    },
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { ...callOptions.headers };
      if (callOptions.key) headers.authorization = `Bearer ${callOptions.key}`;
      let body: string | undefined = callOptions.rawBody;
      if (callOptions.body !== undefined) body = JSON.stringify(callOptions.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(`${apiServer.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text for the assertion message
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async startWorker(overrides = {}) {
      const ctx = createWorkerContext(config, { ...options.workerOverrides, ...overrides });
      const workers = await startWorkers(ctx);
      const handle = { ctx, workers };
      stack.worker ??= handle;
      extraWorkers.push(handle);
      return handle;
    },
    async close() {
      for (const handle of extraWorkers) {
        await handle.workers.close(5_000);
      }
      await apiServer.close();
      await recovery.stop();
      await mediaRetention.stop();
      await webhooksServer.close();
      await sim.close();
      await applier.stop();
      await closeApiContext(apiCtx);
      for (const handle of extraWorkers) {
        await handle.ctx.queues.send.obliterate({ force: true }).catch(() => undefined);
        await handle.ctx.queues.maintenance.obliterate({ force: true }).catch(() => undefined);
        await handle.ctx.queues.callbacks.obliterate({ force: true }).catch(() => undefined);
        await closeWorkerContext(handle.ctx);
      }
      await closeWebhooksContext(webhooksCtx);
      await database.drop();
      await rm(mediaDir, { recursive: true, force: true });
    },
  };
  const extraWorkers: { ctx: WorkerContext; workers: RunningWorkers }[] = [];
  if (options.worker !== false) await stack.startWorker();
  return stack;
}
