import express, { type Express } from 'express';
import { sql } from '@dak/db';
import { errorHandler, healthRouter, httpLogger, notFoundHandler, securityHeaders } from '@dak/http';
import type { ApiContext } from './context';
import { requireAdminTokenOrBasic } from './http/auth';
import { openapiRouter } from './openapi/router';
import { ADMIN_API_BASE, HOOKS_BASE, PUBLIC_API_BASE, QUEUE_BOARD_BASE } from './routes/mount-points';
import { hooksRouter } from './resources/automations/hooks';
import { adminRouter, publicRouter } from './routes';
import { queueBoardRouter } from './routes/queue-board';

export function createApp(ctx: ApiContext): Express {
  const app = express();
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders());
  app.use(httpLogger(ctx.logger));
  app.use(
    healthRouter(
      {
        postgres: () => sql`select 1`.execute(ctx.db),
        redis: () => ctx.redis.ping(),
      },
      ctx.logger,
    ),
  );
  app.use(openapiRouter());
  app.use(QUEUE_BOARD_BASE, requireAdminTokenOrBasic(ctx), queueBoardRouter(ctx));
  // No body parser here: each router reads bodies after its own authentication, with the
  // route's limit (http/body-limits.ts).
  app.use(PUBLIC_API_BASE, publicRouter(ctx));
  app.use(ADMIN_API_BASE, adminRouter(ctx));
  app.use(HOOKS_BASE, hooksRouter(ctx));
  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return app;
}
