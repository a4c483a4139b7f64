import { Router } from 'express';
import type { Logger } from 'pino';

export type ReadinessCheck = () => Promise<unknown>;

/**
 * `/healthz`: the process is up. `/readyz`: every dependency answers. The answer says only ready
 * or not: which dependency failed and why (host names, driver messages) goes to the log, not to
 * whoever can reach the listener.
 */
export function healthRouter(checks: Record<string, ReadinessCheck>, logger?: Logger): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/readyz', async (_req, res) => {
    const failures: Record<string, string> = {};
    await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2_000);
        } catch (error) {
          failures[name] = error instanceof Error ? error.message : 'failed';
        }
      }),
    );
    const ok = Object.keys(failures).length === 0;
    if (!ok) logger?.warn({ failures }, 'not ready');
    res.status(ok ? 200 : 503).json({ ok });
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref()),
  ]);
}
