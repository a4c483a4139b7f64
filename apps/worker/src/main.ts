import { loadConfig } from '@dak/config';
import { sql } from '@dak/db';
import { listenMetrics, onShutdown } from '@dak/http';
import { closeWorkerContext, createWorkerContext } from './context';
import { startWorkers } from './worker';

const config = loadConfig();
const ctx = createWorkerContext(config);
const workers = await startWorkers(ctx);

// Health and metrics on their own small internal listener (port 0 = any free port, so several
// workers can run on one host).
const server = await listenMetrics(ctx.registry, {
  port: config.ports.workerMetrics,
  host: config.metricsHost,
  readiness: {
    postgres: () => sql`select 1`.execute(ctx.db),
    redis: () => ctx.redis.ping(),
    // A worker whose sweeper has stopped leaves lost jobs and stale claims unattended.
    sweeper: async () => workers.assertSweeping?.(),
  },
  logger: ctx.logger,
});
ctx.logger.info({ concurrency: config.worker.concurrency, metrics: `${server.url}/metrics` }, 'worker started');

onShutdown(ctx.logger, async () => {
  await workers.close();
  await server.close();
  await closeWorkerContext(ctx);
});
