import express, { type RequestHandler, type Router } from 'express';
import type { ApiContext } from '../context';
import { principalOf } from '../http/auth';
import { batchStatus } from '../services/batch-status';
import { listAccountMessages } from '../services/messages-list';
import { BatchTooLargeError, MAX_BATCH_MESSAGES, sendBatch } from '../services/send-batch';
import { PUBLIC_API_BASE } from './mount-points';

export const SEND_BATCH_PATH = `${PUBLIC_API_BASE}/send-batch`;

/**
 * send-batch's body limit, the one place it is set. Measured: 10,000 messages of the demo
 * `order_update` template (two body values, a client_reference) are 1.5 MB; with an image
 * header link, three body values, a URL button, a 50-character client_reference and
 * expires_in, 3.5 MB. 8 MiB leaves each of the 10,000 messages about 840 bytes.
 */
export const SEND_BATCH_BODY = {
  limitBytes: 8 * 1024 * 1024,
  tooLargeHint: `A batch takes at most ${MAX_BATCH_MESSAGES} messages in 8 MB; split it into several batches.`,
};

const parseJson = express.json({ limit: SEND_BATCH_BODY.limitBytes, strict: false });

/** Reads send-batch's body with its own limit, after authentication (the router's first middleware). */
export const sendBatchJsonBody: RequestHandler = (req, res, next) => {
  parseJson(req, res, (error?: unknown) => {
    const failure = error as { type?: string; length?: number } | undefined;
    if (failure?.type !== 'entity.too.large') return next(error);
    next(
      new BatchTooLargeError('body_too_large', `The request body is ${failure.length ?? 'more than'} bytes; send-batch reads at most ${SEND_BATCH_BODY.limitBytes} bytes. ${SEND_BATCH_BODY.tooLargeHint}`, {
        limit_bytes: SEND_BATCH_BODY.limitBytes,
      }),
    );
  });
};

/** Batches and the messages list, on the public router (so its key check runs first). */
export function registerBatchRoutes(router: Router, ctx: ApiContext): void {
  router.post('/send-batch', sendBatchJsonBody, async (req, res) => {
    const header = req.headers['idempotency-key'];
    const result = await sendBatch(ctx, principalOf(req), req.body, typeof header === 'string' ? header : undefined);
    if (result.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(result.status).json(result.body);
  });

  router.get('/batches/:batch_id', async (req, res) => {
    res.json(await batchStatus(ctx, principalOf(req), req.params.batch_id));
  });

  router.get('/messages', async (req, res) => {
    res.json(await listAccountMessages(ctx, principalOf(req), req.query));
  });
}
