import express, { type Express } from 'express';
import { sql } from '@dak/db';
import { errorHandler, healthRouter, httpLogger, metricsRouter, notFoundHandler } from '@dak/http';
import type { ApiContext } from './context';
import { adminRouter } from './routes/admin';
import { publicRouter } from './routes/public';

// 10,000-recipient batches fit well under this; anything larger is a 413 with a clear message.
const BODY_LIMIT = '5mb';

export function createApp(ctx: ApiContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(httpLogger(ctx.logger));
  app.use(
    healthRouter({
      postgres: () => sql`select 1`.execute(ctx.db),
      redis: () => ctx.redis.ping(),
    }),
  );
  app.use(metricsRouter(ctx.metrics));
  app.use(express.json({ limit: BODY_LIMIT, strict: false }));
  app.use('/api/whatsapp/v1', publicRouter(ctx));
  app.use('/admin/v1', adminRouter(ctx));
  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return app;
}
