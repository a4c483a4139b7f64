import type { z } from 'zod';
import { listWebhookEvents } from '@dak/db';
import type { ApiContext } from '../../context';
import type { webhookEventPageSchema, webhookEventsQuerySchema } from './schema';

/**
 * Webhook events as stored, newest first, without their payloads (inbound bodies are personal
 * data); `next_before` is the cursor for the next page, null on the last one.
 */
export async function webhookEventsPage(
  ctx: ApiContext,
  query: z.infer<typeof webhookEventsQuerySchema>,
): Promise<z.infer<typeof webhookEventPageSchema>> {
  const rows = await listWebhookEvents(ctx.db, {
    limit: query.limit + 1,
    ...(query.before !== undefined ? { before: query.before } : {}),
    ...(query.rejected !== undefined ? { rejected: query.rejected } : {}),
  });
  const page = rows.slice(0, query.limit);
  return {
    events: page.map((row) => ({
      id: Number(row.id),
      kind: row.kind,
      status: row.status,
      message_id: row.message_id,
      wamid: row.wamid,
      waba_id: row.waba_id,
      meta_phone_number_id: row.meta_phone_number_id,
      account_id: row.account_id,
      phone_number_id: row.sender_id,
      rejected_reason: row.rejected_reason,
      occurred_at: row.occurred_at?.toISOString() ?? null,
      received_at: row.received_at.toISOString(),
      closed_at: row.applied_at?.toISOString() ?? null,
    })),
    next_before: rows.length > query.limit ? Number(page.at(-1)!.id) : null,
  };
}
