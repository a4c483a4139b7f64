import express from 'express';
import { loadConfig } from '@dak/config';
import { sql } from '@dak/db';
import { healthRouter, listen, metricsRouter } from '@dak/http';
import { closeWorkerContext, createWorkerContext } from './context';
import { startWorkers } from './worker';

const config = loadConfig();
const ctx = createWorkerContext(config);
const workers = await startWorkers(ctx);

// Health and metrics on their own small listener (port 0 = any free port, so several
// workers can run on one host).
const app = express();
app.use(healthRouter({ postgres: () => sql`select 1`.execute(ctx.db), redis: () => ctx.redis.ping() }));
app.use(metricsRouter(ctx.registry));
const server = await listen(app, config.ports.workerMetrics, config.host);
ctx.logger.info({ concurrency: config.worker.concurrency, metrics: `${server.url}/metrics` }, 'worker started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  ctx.logger.info({ signal }, 'worker stopping');
  await workers.close();
  await server.close();
  await closeWorkerContext(ctx);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
