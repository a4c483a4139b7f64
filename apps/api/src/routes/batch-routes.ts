import type { Router } from 'express';
import { jsonBody } from '@dak/http';
import type { ApiContext } from '../context';
import { principalOf } from '../http/auth';
import { batchStatus } from '../services/batch-status';
import { listAccountMessages } from '../services/messages-list';
import { BODY_LIMITS } from '../http/body-limits';
import { sendBatch } from '../services/send-batch';

/** Batches and the messages list, on the public router (so its key check runs first). */
export function registerBatchRoutes(router: Router, ctx: ApiContext): void {
  router.post('/send-batch', jsonBody(BODY_LIMITS.sendBatch), async (req, res) => {
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
