import express, { type Express, type Request } from 'express';
import { BadRequestError, UnauthorizedError, ForbiddenError, safeEqual, verifyMetaSignature } from '@dak/core';
import { insertEvents, sql } from '@dak/db';
import { errorHandler, healthRouter, httpLogger, metricsRouter, notFoundHandler } from '@dak/http';
import { extractWebhookEvents } from '@dak/meta';
import type { WebhooksContext } from './context';
import type { EventApplier } from './event-applier';

// Meta batches up to 1,000 updates in one POST, at most 3 MB.
const BODY_LIMIT = '4mb';

export function createWebhooksApp(ctx: WebhooksContext, applier: EventApplier): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(httpLogger(ctx.logger));
  app.use(healthRouter({ postgres: () => sql`select 1`.execute(ctx.db) }));
  app.use(metricsRouter(ctx.registry));

  // Meta's verification handshake.
  app.get('/webhooks/meta', (req, res) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    if (mode !== 'subscribe' || typeof token !== 'string' || !safeEqual(token, ctx.config.meta.verifyToken) || typeof challenge !== 'string') {
      throw new ForbiddenError('Verification failed: hub.mode must be "subscribe" and hub.verify_token must match META_VERIFY_TOKEN.', 'verification_failed');
    }
    res.type('text/plain').send(challenge);
  });

  // The signature covers the raw bytes, so the body is verified before it is parsed.
  app.post('/webhooks/meta', express.raw({ type: () => true, limit: BODY_LIMIT }), async (req: Request, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyMetaSignature(raw, req.header('x-hub-signature-256'), ctx.config.meta.appSecrets)) {
      ctx.metrics.received.inc({ outcome: 'bad_signature' });
      throw new UnauthorizedError('Missing or invalid X-Hub-Signature-256 for this body.', 'invalid_signature');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      ctx.metrics.received.inc({ outcome: 'malformed' });
      throw new BadRequestError('The body is not valid JSON.', undefined, 'malformed_json');
    }
    // Stored (deduplicated) before the 200: once Meta hears OK, nothing it sent can be lost.
    const events = extractWebhookEvents(body);
    await insertEvents(
      ctx.db,
      events.map((event) => ({ ...event, payload: JSON.stringify(event.payload) })),
    );
    ctx.metrics.received.inc({ outcome: 'stored' });
    applier.kick();
    res.status(200).json({ success: true });
  });

  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return app;
}
