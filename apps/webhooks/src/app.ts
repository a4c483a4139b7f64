import express, { type Express, type Request } from 'express';
import { DakError, safeEqual, verifyMetaSignature } from '@dak/core';
import { insertEvents, sql } from '@dak/db';
import { errorHandler, healthRouter, httpLogger, notFoundHandler, securityHeaders } from '@dak/http';
import { extractWebhookEvents } from '@dak/meta';
import type { WebhooksContext } from './context';
import type { EventApplier } from './event-applier';

// Meta batches up to 1,000 updates in one POST, at most 3 MB.
const BODY_LIMIT = '4mb';

// Meta's challenge is a decimal number (about ten digits); 32 bounds it with room to spare.
const CHALLENGE_MAX_DIGITS = 32;
const CHALLENGE_PATTERN = new RegExp(`^\\d{1,${CHALLENGE_MAX_DIGITS}}$`);

export function createWebhooksApp(ctx: WebhooksContext, applier: EventApplier): Express {
  const app = express();
  app.use(securityHeaders());
  app.use(httpLogger(ctx.logger));
  app.use(healthRouter({ postgres: () => sql`select 1`.execute(ctx.db) }, ctx.logger));

  // Meta's verification handshake. The challenge is echoed only when it is the plain number
  // Meta sends, so this endpoint never serves content somebody else chose.
  app.get('/webhooks/meta', (req, res) => {
    const mode = req.query['hub.mode'];
    const token = req.query['hub.verify_token'];
    const challenge = req.query['hub.challenge'];
    if (mode !== 'subscribe' || typeof token !== 'string' || !safeEqual(token, ctx.config.meta.verifyToken)) {
      throw new DakError(
        'verification_failed',
        'Verification failed: hub.mode must be "subscribe" and hub.verify_token must match META_VERIFY_TOKEN.',
      );
    }
    if (typeof challenge !== 'string' || !CHALLENGE_PATTERN.test(challenge)) {
      throw new DakError(
        'invalid_challenge',
        `hub.challenge must be the number Meta sends: 1 to ${CHALLENGE_MAX_DIGITS} digits.`,
        { parameter: 'hub.challenge' },
      );
    }
    res.type('text/plain').send(challenge);
  });

  // The signature covers the raw bytes, so the body is verified before it is parsed.
  app.post('/webhooks/meta', express.raw({ type: () => true, limit: BODY_LIMIT }), async (req: Request, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyMetaSignature(raw, req.header('x-hub-signature-256'), ctx.config.meta.appSecrets)) {
      ctx.metrics.received.inc({ outcome: 'bad_signature' });
      throw new DakError('invalid_signature', 'Missing or invalid X-Hub-Signature-256 for this body.');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      ctx.metrics.received.inc({ outcome: 'malformed' });
      throw new DakError('malformed_json', 'The body is not valid JSON.');
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
