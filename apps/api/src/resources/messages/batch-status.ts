import type { z } from 'zod';
import { DakError, formatMinor } from '@dak/core';
import { findBatch, summariseBatch } from '@dak/db';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import type { batchStatusSchema } from './schema';

/** `GET /batches/:id`: what the batch holds now, counted from its messages. */
export async function batchStatus(
  ctx: ApiContext,
  principal: Principal,
  batchId: string,
): Promise<z.infer<typeof batchStatusSchema>> {
  const batch = await findBatch(ctx.db, principal.accountId, batchId);
  if (!batch) {
    throw new DakError('batch_not_found', `No batch "${batchId}". Use the batch_id returned by send-batch.`);
  }
  const totals = await summariseBatch(ctx.db, principal.accountId, batch.id);
  return {
    success: true,
    batch_id: batch.id,
    created_at: batch.created_at.toISOString(),
    phone_number_id: batch.meta_phone_number_id,
    template: { id: batch.template_id, name: batch.template_name, language: batch.template_language },
    priority: batch.priority,
    accepted: batch.accepted,
    rejected: batch.rejected,
    counts: {
      queued: totals.queued,
      sent: totals.sent,
      delivered: totals.delivered,
      read: totals.read,
      failed: totals.failed,
    },
    charges: {
      currency: batch.currency,
      held: formatMinor(totals.held_minor),
      captured: formatMinor(totals.captured_minor),
      refunded: formatMinor(totals.refunded_minor),
      released: formatMinor(totals.released_minor),
      waived: formatMinor(totals.waived_minor),
    },
  };
}
