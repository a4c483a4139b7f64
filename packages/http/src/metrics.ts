import express, { Router } from 'express';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { healthRouter, type ReadinessCheck } from './health';
import { securityHeaders } from './security';
import { listen, type RunningServer } from './server';

/** One registry per process (not prom-client's global), so tests can build several apps side by side. */
export function createMetricsRegistry(app: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export function metricsRouter(registry: Registry): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  });
  return router;
}

/**
 * The internal listener of a process: `/metrics` (and, for the worker, which has no other
 * listener, `/healthz` and `/readyz`). It binds to METRICS_HOST, apart from the public listener,
 * so the numbers about a business's traffic are not served to the world.
 */
export function listenMetrics(
  registry: Registry,
  options: { port: number; host: string; readiness?: Record<string, ReadinessCheck>; logger?: Logger },
): Promise<RunningServer> {
  const app = express();
  app.use(securityHeaders());
  if (options.readiness) app.use(healthRouter(options.readiness, options.logger));
  app.use(metricsRouter(registry));
  return listen(app, options.port, options.host);
}
