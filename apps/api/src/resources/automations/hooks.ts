import { createHmac } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { DakError, decryptSecret, hashApiKey, newId, safeEqual } from '@dak/core';
import { findAutomationById, insertAutomationEvent, type AutomationWithSender } from '@dak/db';
import { nestedDeeperThan } from '@dak/http';
import { RequestRateLimiter } from '@dak/queue';
import type { ApiContext } from '../../context';
import { evaluateEvent, type Evaluated } from './evaluate';

// `POST /hooks/:id/:token`: an external system's event, stored before the answer, then
// evaluated. Its own router on the API's listener, outside the API-key router: the URL's token
// is the credential, and a verify secret (when set) proves the body.

/** The largest body read; a Shopify order with many line items is a few hundred KB at most. */
export const HOOK_BODY_LIMIT_BYTES = 1024 * 1024;
/** A body that is not JSON is kept as text for inspection, up to this many characters. */
const STORED_TEXT_MAX = 64 * 1024;
/** Deeper JSON than any store sends; it would only cost the recursive path evaluation. */
const HOOK_JSON_DEPTH = 64;
/** Per automation, with a burst of one second's worth: a flash sale's orders, not a flood. */
export const HOOK_REQUESTS_PER_SECOND = 50;

/** Headers worth keeping with an event: what it is and where from; never signatures or tokens. */
const KEPT_HEADERS = [
  'content-type',
  'user-agent',
  'x-request-id',
  'x-shopify-topic',
  'x-shopify-shop-domain',
  'x-shopify-webhook-id',
  'x-shopify-event-id',
  'x-shopify-triggered-at',
  'x-shopify-api-version',
  'x-wc-webhook-topic',
  'x-wc-webhook-source',
  'x-wc-webhook-id',
  'x-wc-webhook-delivery-id',
  'x-razorpay-event-id',
];

// Compared against when the id is unknown, so a wrong id and a wrong token take the same time.
const NO_TOKEN_HASH = hashApiKey('no automation');
const AUTOMATION_ID = /^aut_[0-9a-z]{26}$/;

function refuse(req: Request, res: Response, error: DakError): never {
  // A refused body is not read; closing the connection spares Node reading it to keep it alive.
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined)
    res.setHeader('Connection', 'close');
  throw error;
}

const readRaw = express.raw({ type: () => true, limit: HOOK_BODY_LIMIT_BYTES });

function rawBody(req: Request, res: Response): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    readRaw(req, res, (error?: unknown) => {
      if ((error as { type?: string } | undefined)?.type === 'entity.too.large') {
        reject(
          new DakError(
            'body_too_large',
            `A hook body is at most ${HOOK_BODY_LIMIT_BYTES / 1024} KB; nothing was stored.`,
            {
              limit_bytes: HOOK_BODY_LIMIT_BYTES,
            },
          ),
        );
      } else if (error) reject(error);
      else resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    });
  });
}

/** Whether the call carries the automation's signature (over the raw bytes) or token. */
export function verified(
  automation: AutomationWithSender,
  raw: Buffer,
  header: string | undefined,
  key: Buffer,
): boolean {
  if (!automation.verify_kind || !automation.verify_secret_encrypted) return true;
  if (header === undefined) return false;
  const secret = decryptSecret(automation.verify_secret_encrypted, key);
  const given = header.trim();
  switch (automation.verify_kind) {
    case 'token':
      return safeEqual(given, secret);
    case 'hmac_sha256_base64':
      return safeEqual(given, createHmac('sha256', secret).update(raw).digest('base64'));
    case 'hmac_sha256_hex':
      return safeEqual(
        given.replace(/^sha256=/i, '').toLowerCase(),
        createHmac('sha256', secret).update(raw).digest('hex'),
      );
  }
}

/** Postgres text and jsonb hold no NUL character: each becomes U+FFFD. */
const NOT_STORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function withoutNul(value: unknown): unknown {
  // NUL and half a surrogate pair (an emoji a store cut in two): JSON.parse takes both, Postgres neither.
  if (typeof value === 'string') return value.replace(NOT_STORABLE, '\uFFFD');
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k) as string, withoutNul(v)]));
  return value;
}

/** The body as a JSON object or array, or why it is not one. */
function parsePayload(text: string): { ok: true; payload: unknown } | { ok: false; why: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { ok: false, why: 'is not valid JSON' };
  }
  if (payload === null || typeof payload !== 'object') return { ok: false, why: 'is JSON but not an object or a list' };
  if (nestedDeeperThan(payload, HOOK_JSON_DEPTH))
    return { ok: false, why: `is nested deeper than ${HOOK_JSON_DEPTH} levels` };
  return { ok: true, payload: /\\u0000|\\ud[89a-f]/i.test(text) ? withoutNul(payload) : payload };
}

function keptHeaders(req: Request): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') kept[name] = value.replaceAll('\0', '').slice(0, 256);
  }
  return kept;
}

export function hooksRouter(ctx: ApiContext): Router {
  const router = Router();
  const limiter = new RequestRateLimiter(ctx.redis, ctx.config.redis.prefix);

  router.post('/:id/:token', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    const token = String(req.params.token);
    const automation = AUTOMATION_ID.test(id) ? await findAutomationById(ctx.db, id) : undefined;
    const tokenMatches = safeEqual(hashApiKey(token), automation?.token_hash ?? NO_TOKEN_HASH);
    if (!automation || !tokenMatches) {
      refuse(
        req,
        res,
        new DakError(
          'invalid_hook_token',
          'Unknown hook URL: the automation id or token is wrong, or the automation was deleted. Use the url POST /automations returned.',
        ),
      );
    }
    // Counted only once the URL is the automation's: a stranger guessing tokens spends none of its budget.
    await limit(ctx, limiter, id, req, res);
    const raw = await rawBody(req, res);
    const header = automation.verify_header ? req.header(automation.verify_header) : undefined;
    if (!verified(automation, raw, header, ctx.config.encryptionKey)) {
      throw new DakError(
        'invalid_hook_signature',
        `The ${automation.verify_header} header is missing or does not match the body signed with the automation's secret; nothing was stored.`,
      );
    }
    const text = raw.toString('utf8');
    const parsed = parsePayload(text);
    const eventId = newId('aev');
    const common = {
      id: eventId,
      automation_id: automation.id,
      account_id: automation.account_id,
      content_type: req.headers['content-type']?.slice(0, 256) ?? null,
      headers: JSON.stringify(keptHeaders(req)),
    };
    if (!parsed.ok) {
      await insertAutomationEvent(ctx.db, {
        ...common,
        body_text: text.replaceAll('\0', '\uFFFD').slice(0, STORED_TEXT_MAX),
        payload: null,
        outcome: 'invalid',
        reason: 'not_json',
        reason_message: `The body ${parsed.why}; automations take a JSON object.`,
        evaluated_at: new Date(),
      });
      throw new DakError(
        'malformed_json',
        `The body ${parsed.why}. Send the event as JSON (Content-Type: application/json). It was stored as event ${eventId} for inspection.`,
        { event_id: eventId },
      );
    }
    const event = await insertAutomationEvent(ctx.db, {
      ...common,
      body_text: null,
      payload: JSON.stringify(parsed.payload),
      outcome: 'pending',
    });
    let evaluated: Evaluated;
    try {
      evaluated = await evaluateEvent(ctx, automation, event);
    } catch (error) {
      // Stored: recovery evaluates it (recovery.ts). The sender needs no retry.
      ctx.logger.warn({ err: error, eventId }, 'automation event left pending');
      evaluated = { outcome: 'pending', reason: null, messageId: null };
    }
    res.status(evaluated.outcome === 'pending' ? 202 : 200).json({
      received: true,
      event_id: eventId,
      outcome: evaluated.outcome,
      reason: evaluated.reason,
      message_id: evaluated.messageId,
    });
  });
  return router;
}

async function limit(
  ctx: ApiContext,
  limiter: RequestRateLimiter,
  id: string,
  req: Request,
  res: Response,
): Promise<void> {
  let decision;
  try {
    decision = await limiter.take([{ scope: `hook:${id}`, requestsPerSecond: HOOK_REQUESTS_PER_SECOND }]);
  } catch (error) {
    ctx.logger.warn({ err: error }, 'hook rate limit not checked: Redis unavailable');
    return;
  }
  if (decision.allowed) return;
  const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  res.setHeader('Retry-After', String(retryAfter));
  refuse(
    req,
    res,
    new DakError(
      'rate_limited',
      `Too many calls: a hook takes ${HOOK_REQUESTS_PER_SECOND} per second. Retry after ${retryAfter} s; nothing was stored.`,
      { retry_after_seconds: retryAfter },
    ),
  );
}
