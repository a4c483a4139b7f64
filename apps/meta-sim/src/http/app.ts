import express from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { SimControl } from '../control';
import type { SimCore } from '../sim-core';
import { controlRoutes } from './control-routes';
import { mediaRoutes } from './media-routes';
import { metaRoutes } from './meta-routes';

/** The simulator's HTTP surface: health, the control API under /_sim, then the Meta paths. */
export function buildApp(core: SimCore, control: SimControl): express.Express {
  const app = express();
  // Like Dak's own listeners: nosniff, frames denied, no X-Powered-By.
  app.use(helmet({ frameguard: { action: 'deny' } }));
  app.disable('etag');
  app.set('query parser', 'simple');
  if (core.logger.isLevelEnabled('debug')) {
    app.use(
      pinoHttp({
        logger: core.logger,
        autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
        customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'warn' : 'debug'),
        // The query may carry an access_token; the logger redacts the parsed copy, this the URL.
        serializers: { req: (req: { url: string }) => ({ ...req, url: req.url.split('?')[0] }) },
      }),
    );
  }
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ready', businesses: core.store.businesses.size });
  });
  app.use('/_sim', controlRoutes(control));
  app.use(mediaRoutes(core));
  app.use(metaRoutes(core));
  return app;
}
