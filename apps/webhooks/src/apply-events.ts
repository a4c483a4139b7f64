import { chargeMovements, isReportedStatus, type ChargeMovement, type MessageError } from '@dak/core';
import {
  applyReportedStatus,
  captureShard,
  closeEvents,
  findAccountByWabaId,
  findRegisteredNumbers,
  findStatusCandidates,
  findTemplateOwner,
  lockApplicableEvents,
  lockMessagesOf,
  moveMessageCharge,
  updateTemplateStatus,
  type Database,
  type EventClosing,
  type Message,
  type PendingEvent,
  type ReportedStatus,
} from '@dak/db';
import { checkEnvelope, decideStatus, type RegisteredNumber, type RejectReason, type StatusCandidate } from '@dak/meta';

const REPORTED: ReadonlySet<string> = new Set(['sent', 'delivered', 'read', 'failed']);

export interface AppliedBatch {
  /** Every event taken, closed or not. */
  taken: number;
  applied: PendingEvent[];
  rejected: { event: PendingEvent; reason: RejectReason }[];
}

/** What one batch's checks look up once: the envelopes' numbers and the messages statuses name. */
interface Lookups {
  numbers: Map<string, RegisteredNumber>;
  byId: Map<string, StatusCandidate>;
  byWamid: Map<string, StatusCandidate>;
}

/**
 * Applies one batch of stored events in one transaction. Each event first proves whose it is
 * (see @dak/meta's webhook-provenance); one that does not is closed with the reason and never
 * applied. Statuses only move forward; money follows each message's final state (movementsFor).
 */
export async function applyPendingEvents(db: Database, limit = 500): Promise<AppliedBatch> {
  return db.transaction().execute(async (trx) => {
    const events = await lockApplicableEvents(trx, limit);
    const batch: AppliedBatch = { taken: events.length, applied: [], rejected: [] };
    if (events.length === 0) return batch;
    // Locks are taken in one order by every applier: the batch's messages (sorted), then the
    // capture rows (sorted), then the wallet rows (sorted); the worker's single statements take
    // a message and then one of those rows. So no two transactions wait on each other in a cycle.
    await lockMessagesOf(trx, events);
    const lookups = await lookUp(trx, events);
    const closings: EventClosing[] = [];
    const settled = new Map<string, Message>();
    for (const event of events) {
      const closing = await applyEvent(trx, event, lookups, settled);
      if (!closing) continue;
      closings.push(closing);
      if (closing.rejected_reason) batch.rejected.push({ event, reason: closing.rejected_reason as RejectReason });
      else batch.applied.push(event);
    }
    await moveMoney(trx, [...settled.values()]);
    await closeEvents(trx, closings);
    return batch;
  });
}

/**
 * What a message's money must do, decided (by chargeMovements) from the status it holds after
 * this batch: any status from Meta means Meta took it (capture a hold); `failed` refunds it; a
 * delivery after a refund takes the refund back, and one after a released hold charges it.
 * Deciding from the final status (not event by event) keeps a batch with `failed` then
 * `delivered` for one message from refunding it.
 */
export function movementsFor(message: Pick<Message, 'charge_state' | 'status' | 'delivered_at' | 'read_at'>): ChargeMovement[] {
  // Only messages a report moved reach here, so their status is one Meta reports. A `failed`
  // for a message that was delivered (statuses only move forward, so it cannot stay so; but a
  // delivered message is never refunded) proves only that Meta took it, as `sent` does.
  if (!isReportedStatus(message.status)) return [];
  const delivered = message.delivered_at !== null || message.read_at !== null;
  return chargeMovements(message.charge_state, message.status === 'failed' && delivered ? 'sent' : message.status);
}

/** Captures first (their rows sorted by account and shard), then the wallet moves (sorted by account). */
async function moveMoney(db: Database, messages: Message[]): Promise<void> {
  const moves = messages.flatMap((m) => movementsFor(m).map((movement) => ({ m, movement })));
  const captures = moves.filter((x) => x.movement === 'capture');
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  captures.sort((a, b) => order(a.m.account_id, b.m.account_id) || captureShard(a.m.id) - captureShard(b.m.id));
  const others = moves.filter((x) => x.movement !== 'capture').sort((a, b) => order(a.m.account_id, b.m.account_id));
  for (const { m, movement } of [...captures, ...others]) await moveMessageCharge(db, m.id, movement);
}

async function lookUp(db: Database, events: PendingEvent[]): Promise<Lookups> {
  const statuses = events.filter((e) => e.kind === 'status');
  const metaIds = new Set(events.flatMap((e) => (e.meta_phone_number_id && e.kind !== 'template' ? [e.meta_phone_number_id] : [])));
  const numbers = await findRegisteredNumbers(db, [...metaIds]);
  const candidates = await findStatusCandidates(
    db,
    statuses.flatMap((e) => (e.message_id ? [e.message_id] : [])),
    statuses.flatMap((e) => (e.wamid ? [e.wamid] : [])),
  );
  return {
    numbers: new Map(numbers.map((n) => [n.meta_phone_number_id, n])),
    byId: new Map(candidates.map((m) => [m.id, m])),
    byWamid: new Map(candidates.flatMap((m) => (m.wamid ? [[m.wamid, m] as const] : []))),
  };
}

/** Applies or rejects one event; undefined leaves it waiting. */
async function applyEvent(db: Database, event: PendingEvent, lookups: Lookups, settled: Map<string, Message>): Promise<EventClosing | undefined> {
  const sender = event.meta_phone_number_id ? lookups.numbers.get(event.meta_phone_number_id) : undefined;
  const close = (filedUnder: RegisteredNumber | undefined, rejected: RejectReason | null, messageId: string | null = null): EventClosing => ({
    id: event.id,
    account_id: filedUnder?.account_id ?? null,
    phone_number_id: filedUnder?.id ?? null,
    message_id: messageId,
    rejected_reason: rejected,
  });
  switch (event.kind) {
    case 'status': {
      const decision = decideStatus({
        claim: event,
        sender,
        byWamid: event.wamid ? lookups.byWamid.get(event.wamid) : undefined,
        byCallback: event.message_id ? lookups.byId.get(event.message_id) : undefined,
        expired: event.expired,
      });
      if (decision.outcome === 'wait') return undefined;
      if (decision.outcome === 'reject') return close(decision.sender, decision.reason);
      if (event.status && REPORTED.has(event.status)) await applyStatus(db, event, decision.message.id, settled);
      return close(decision.sender, null, decision.message.id);
    }
    case 'message': {
      // Inbound messages are filed under the number that received them, if it is the WABA's.
      const envelope = checkEnvelope(event, sender);
      return envelope.ok ? close(envelope.sender, null) : close(undefined, envelope.reason);
    }
    case 'template':
      return applyTemplateUpdate(db, event);
    case 'other':
      return close(undefined, null);
  }
}

async function applyStatus(db: Database, event: PendingEvent, messageId: string, settled: Map<string, Message>): Promise<void> {
  const message = await applyReportedStatus(db, messageId, {
    status: event.status as ReportedStatus,
    wamid: event.wamid,
    at: event.occurred_at ?? event.received_at,
    error: event.status === 'failed' ? errorOf(event) : null,
  });
  if (message) settled.set(message.id, message);
}

function errorOf(event: PendingEvent): MessageError {
  const status = (event.payload as { status?: { errors?: { code?: number; title?: string; message?: string; error_data?: { details?: string } }[] } }).status;
  const first = status?.errors?.[0];
  return {
    code: first?.code ?? 'meta_failed',
    title: first?.title ?? first?.message ?? 'Meta reported the message as failed',
    ...(first?.error_data?.details ? { details: first.error_data.details } : {}),
    source: 'meta',
  };
}

/** Applies to the entry's WABA's own template only; anything else is rejected with what it named. */
async function applyTemplateUpdate(db: Database, event: PendingEvent): Promise<EventClosing> {
  const close = (accountId: string | null, rejected: RejectReason | null): EventClosing => ({
    id: event.id,
    account_id: accountId,
    phone_number_id: null,
    message_id: null,
    rejected_reason: rejected,
  });
  const payload = event.payload as { message_template_id?: string | number; event?: string; reason?: string | null };
  if (!event.waba_id || payload.message_template_id === undefined || !payload.event) return close(null, 'malformed_event');
  const templateId = String(payload.message_template_id);
  const status = payload.event === 'REINSTATED' ? 'APPROVED' : payload.event;
  const updated = await updateTemplateStatus(db, event.waba_id, templateId, status, payload.reason && payload.reason !== 'NONE' ? payload.reason : null);
  if (updated) return close(updated.account_id, null);
  // Rare: say why it did not apply.
  const account = await findAccountByWabaId(db, event.waba_id);
  if (!account) return close(null, 'unknown_waba');
  const owner = await findTemplateOwner(db, templateId);
  return close(account.id, owner ? 'template_of_other_account' : 'unknown_template');
}
