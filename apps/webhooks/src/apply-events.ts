import type { MessageError } from '@dak/core';
import {
  applyReportedStatus,
  lockMessagesOf,
  findMessageByWamid,
  lockApplicableEvents,
  markEventsApplied,
  moveMessageCharge,
  updateTemplateStatus,
  type Database,
  type MessageEvent,
  type ReportedStatus,
} from '@dak/db';

const REPORTED: ReadonlySet<string> = new Set(['sent', 'delivered', 'read', 'failed']);

/**
 * Applies one batch of stored events in one transaction and returns how many it applied.
 * Statuses only move forward; money follows: any status from Meta means Meta took the message
 * (capture the hold), `failed` without delivery refunds it, and a delivery reported after a
 * `failed` takes the refund back (or charges a message whose hold Dak had released).
 */
export async function applyPendingEvents(db: Database, limit = 500): Promise<MessageEvent[]> {
  return db.transaction().execute(async (trx) => {
    const events = await lockApplicableEvents(trx, limit);
    // Lock the batch's messages first, in id order, before any wallet row: the worker's capture
    // and another applier lock a message and then its wallet, so taking them in that same
    // order (and messages sorted) leaves no cycle to deadlock on.
    await lockMessagesOf(trx, events);
    for (const event of events) {
      if (event.kind === 'status') await applyStatus(trx, event);
      else if (event.kind === 'template') await applyTemplateUpdate(trx, event);
    }
    await markEventsApplied(trx, events.map((e) => e.id));
    return events;
  });
}

async function applyStatus(db: Database, event: MessageEvent): Promise<void> {
  if (!event.status || !REPORTED.has(event.status)) return;
  const messageId = event.message_id ?? (event.wamid ? (await findMessageByWamid(db, event.wamid))?.id : undefined);
  if (!messageId) return;
  const message = await applyReportedStatus(db, messageId, {
    status: event.status as ReportedStatus,
    wamid: event.wamid,
    at: event.occurred_at ?? event.received_at,
    error: event.status === 'failed' ? errorOf(event) : null,
  });
  if (!message) return;
  // Most reports find the money already where it belongs: only move what needs moving.
  let charge = message.charge_state;
  if (charge === 'held' && (await moveMessageCharge(db, message.id, 'capture'))) charge = 'captured';
  const delivered = message.status === 'delivered' || message.status === 'read';
  if (charge === 'captured' && message.status === 'failed' && !message.delivered_at && !message.read_at) {
    await moveMessageCharge(db, message.id, 'refund');
  } else if (charge === 'refunded' && delivered) {
    await moveMessageCharge(db, message.id, 'refund_reversal');
  } else if (charge === 'released' && delivered) {
    await moveMessageCharge(db, message.id, 'capture_released');
  }
}

function errorOf(event: MessageEvent): MessageError {
  const status = (event.payload as { status?: { errors?: { code?: number; title?: string; message?: string; error_data?: { details?: string } }[] } }).status;
  const first = status?.errors?.[0];
  return {
    code: first?.code ?? 'meta_failed',
    title: first?.title ?? first?.message ?? 'Meta reported the message as failed',
    ...(first?.error_data?.details ? { details: first.error_data.details } : {}),
    source: 'meta',
  };
}

async function applyTemplateUpdate(db: Database, event: MessageEvent): Promise<void> {
  const payload = event.payload as { message_template_id?: string | number; event?: string; reason?: string | null };
  if (payload.message_template_id === undefined || !payload.event) return;
  const status = payload.event === 'REINSTATED' ? 'APPROVED' : payload.event;
  await updateTemplateStatus(db, String(payload.message_template_id), status, payload.reason && payload.reason !== 'NONE' ? payload.reason : null);
}
