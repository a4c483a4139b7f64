import {
  chargeMovements,
  chargeStateAfter,
  freeMessageReason,
  inboundContentOf,
  inboundTime,
  DEFAULT_OPT_KEYWORDS,
  isReportedStatus,
  messageStatusEvent,
  normalizeRecipient,
  normalizeUserId,
  optChangeOfReply,
  statusChangesOf,
  STATUS_RANK,
  type ChargeMovement,
  type ReportedPricing,
  type OptKeywords,
} from '@dak/core';
import {
  accountsWaivingFreeMessages,
  knownAddresses,
  applyReportedStatuses,
  CallbackSubscriptions,
  closeEvents,
  findAccountByWabaId,
  findRegisteredNumbers,
  findStatusCandidates,
  findTemplateOwner,
  holdMarketing,
  lockApplicableEvents,
  lockMessagesOf,
  metaOptOutOf,
  moveMessageCharges,
  recordCallbackEvents,
  recordContacts,
  recordConversationActivity,
  updateTemplateStatus,
  type ContactSighting,
  type Database,
  type EventClosing,
  type MarketingHold,
  type NewInboundMessage,
  type Message,
  type NewCallbackEvent,
  type PendingEvent,
  type StatusReport,
} from '@dak/db';
import {
  checkEnvelope,
  decideStatus,
  MARKETING_HOLD_MS,
  readStoredEvent,
  type RegisteredNumber,
  type RejectReason,
  type StatusCandidate,
  type StoredWebhookEvent,
  type TemplateStatusUpdate,
} from '@dak/meta';

export interface AppliedBatch {
  /** Every event taken, closed or not. */
  taken: number;
  applied: PendingEvent[];
  rejected: { event: PendingEvent; reason: RejectReason }[];
  /** The callback deliveries the batch made, to enqueue once it has committed. */
  deliveries: string[];
}

/** What one batch's checks look up once: the envelopes' numbers and the messages statuses name. */
interface Lookups {
  numbers: Map<string, RegisteredNumber>;
  byId: Map<string, StatusCandidate>;
  byWamid: Map<string, StatusCandidate>;
  /** The status each of those messages starts the batch with. */
  before: Map<string, string>;
}

/** What applying the batch's events gathers, to be written set-wise at the end. */
interface Gathered {
  reports: StatusReport[];
  /** Callback events other than status changes (those come from where the statuses end). */
  callbacks: NewCallbackEvent[];
  /** Who wrote in (and whether a reply opted them out or in), recorded together at the end. */
  contacts: ContactSighting[];
  /** The inbound messages, kept as rows of their conversations. */
  inbound: NewInboundMessage[];
}

/**
 * Applies one batch of stored events in one transaction. Each event first proves whose it is
 * (see @dak/meta's webhook-provenance); one that does not is closed with the reason and never
 * applied. The batch's statuses are then applied together (applyReportedStatuses: statuses
 * only move forward, as if one by one) and money follows each message's final state
 * (movementsFor), all of it moved at once (moveMessageCharges): a few statements per batch.
 * Each status change, inbound message and template update becomes a callback event in the
 * same transaction (recordCallbackEvents keeps those whose account has an endpoint for them),
 * so a committed change always has its callback and a rolled-back one never does.
 */
export async function applyPendingEvents(
  db: Database,
  limit = 500,
  subscriptions?: CallbackSubscriptions,
  keywords: OptKeywords = DEFAULT_OPT_KEYWORDS,
): Promise<AppliedBatch> {
  return db.transaction().execute(async (trx) => {
    const events = await lockApplicableEvents(trx, limit);
    const batch: AppliedBatch = { taken: events.length, applied: [], rejected: [], deliveries: [] };
    if (events.length === 0) return batch;
    // Locks are taken in one order by every applier and worker: the batch's messages (sorted),
    // then the capture rows (sorted), then the wallet rows (sorted); moveMessageCharges keeps it.
    // So no two transactions wait on each other in a cycle.
    await lockMessagesOf(trx, events);
    const lookups = await lookUp(trx, events);
    const closings: EventClosing[] = [];
    const gathered: Gathered = { reports: [], callbacks: [], contacts: [], inbound: [] };
    for (const event of events) {
      const outcome = await applyEvent(trx, event, lookups, gathered, keywords);
      if (!outcome) continue;
      closings.push(outcome.closing);
      if (outcome.rejected) batch.rejected.push({ event, reason: outcome.rejected });
      else batch.applied.push(event);
    }
    await addressByKnownNumber(trx, gathered);
    const settled = await applyReportedStatuses(trx, gathered.reports);
    const waiving = await accountsWaivingFreeMessages(
      trx,
      settled.flatMap((m) => (freeMessageReason(m.meta_pricing) ? [m.account_id] : [])),
    );
    await moveMoney(trx, settled, waiving);
    // Last in the lock order, after the wallets: hold rows, sorted by holdMarketing.
    await holdMarketing(trx, marketingHoldsOf(settled));
    // Then contact rows, sorted by recordContacts: who wrote in, and who opted out (STOP, 131050).
    await recordContacts(trx, [...gathered.contacts, ...optOutsOf(settled)]);
    // Then conversation rows (sorted too): the inbound messages, and the outbound ones Meta reported
    // on while they were at most `sent` (a message's activity is its accept time, so its delivery
    // and read add nothing; an upsert that changes nothing writes nothing, see there).
    await recordConversationActivity(
      trx,
      gathered.inbound,
      settled.filter((m) => (STATUS_RANK[lookups.before.get(m.id) ?? ''] ?? 0) <= STATUS_RANK.sent!),
    );
    await closeEvents(trx, closings);
    batch.deliveries = await recordCallbackEvents(
      trx,
      [
        ...(await statusEventsOf(trx, settled, lookups.before, gathered.reports, subscriptions, waiving)),
        ...gathered.callbacks,
      ],
      new Date(),
      subscriptions,
    );
    return batch;
  });
}

/**
 * What a message's money must do, decided (by chargeMovements) from the status it holds after
 * this batch: any status from Meta means Meta took it (capture a hold); `failed` refunds it; a
 * delivery after a refund takes the refund back, and one after a released hold charges it.
 * Deciding from the final status (not event by event) keeps a batch with `failed` then
 * `delivered` for one message from refunding it.
 *
 * `waivesFree`: the account does not charge what Meta reports free; a message whose stored
 * pricing (the latest Meta reported) has a free type is then waived (see chargeMovements);
 * a session message never is (the account's session_price is its price for free service messages).
 */
export function movementsFor(
  message: Pick<Message, 'charge_state' | 'status' | 'delivered_at' | 'read_at'> & {
    meta_pricing?: ReportedPricing | null;
    kind?: Message['kind'];
  },
  waivesFree = false,
): ChargeMovement[] {
  // Only messages a report moved reach here, so their status is one Meta reports. A `failed`
  // for a message that was delivered (statuses only move forward, so it cannot stay so; but a
  // delivered message is never refunded) proves only that Meta took it, as `sent` does.
  if (!isReportedStatus(message.status)) return [];
  const delivered = message.delivered_at !== null || message.read_at !== null;
  // A session message is always one Meta reports free: its price is the account's session_price,
  // set for exactly those, so it is never waived.
  const free = waivesFree && message.kind !== 'session' && freeMessageReason(message.meta_pricing) !== null;
  return chargeMovements(
    message.charge_state,
    message.status === 'failed' && delivered ? 'sent' : message.status,
    free,
  );
}

/**
 * Meta's 131049 (per-user marketing limit): the message stays failed and refunded, and that
 * user gets no marketing from the account for MARKETING_HOLD_MS from Meta's time of the
 * failure. Decided from where each message ended, like its money: a repeated report writes the
 * same hold again (a no-op), and a message delivered after all holds nothing.
 */
export function marketingHoldsOf(
  messages: Pick<Message, 'account_id' | 'recipient' | 'status' | 'error' | 'failed_at'>[],
): MarketingHold[] {
  return messages.flatMap((m) =>
    m.status === 'failed' && m.error?.code === 131049 && m.failed_at
      ? [
          {
            accountId: m.account_id,
            recipient: m.recipient,
            until: new Date(m.failed_at.getTime() + MARKETING_HOLD_MS),
            reason: 'meta_131049',
          },
        ]
      : [],
  );
}

/**
 * Meta's 131050 (the user stopped marketing messages): the contact is opted out of the
 * account's marketing from Meta's time of the failure, as a STOP reply would.
 */
export function optOutsOf(
  messages: Pick<Message, 'account_id' | 'recipient' | 'status' | 'error' | 'failed_at'>[],
): ContactSighting[] {
  return messages.flatMap((m) =>
    m.status === 'failed' && m.error?.code === 131050 && m.failed_at
      ? [metaOptOutOf(m.account_id, m.recipient, m.failed_at)]
      : [],
  );
}

/**
 * One `message.status` event per change the batch made, in the order the reports made them
 * (several may change one message: sent, then delivered, then read), each showing the message
 * as it stands after the batch (its money moved too) at the status of that change.
 */
export async function statusEventsOf(
  db: Database,
  settled: Message[],
  before: ReadonlyMap<string, string>,
  reports: StatusReport[],
  subscriptions = new CallbackSubscriptions(),
  waiving: ReadonlySet<string> = new Set(),
): Promise<NewCallbackEvent[]> {
  // Built only for accounts that want them: most statuses are of accounts with no endpoint.
  const wanted = await subscriptions.wanted(
    db,
    settled.map((m) => m.account_id),
  );
  const byId = new Map(settled.filter((m) => wanted.get(m.account_id)?.has('message.status')).map((m) => [m.id, m]));
  if (byId.size === 0) return [];
  return statusChangesOf(before, reports).flatMap(({ id, previous, status }) => {
    const message = byId.get(id);
    if (!message) return [];
    const movements = movementsFor(message, waiving.has(message.account_id));
    const settledMessage = { ...message, charge_state: chargeStateAfter(message.charge_state, movements) };
    return [messageStatusEvent({ message: settledMessage, previous, status })];
  });
}

/** Every movement of the batch's money at once; a waive's ledger entry gives Meta's free type as its reason. */
async function moveMoney(db: Database, messages: Message[], waiving: ReadonlySet<string>): Promise<void> {
  await moveMessageCharges(
    db,
    messages.flatMap((m) =>
      movementsFor(m, waiving.has(m.account_id)).map((movement) => ({
        messageId: m.id,
        movement,
        reason: movement.startsWith('waive') ? freeMessageReason(m.meta_pricing) : null,
      })),
    ),
  );
}

async function lookUp(db: Database, events: PendingEvent[]): Promise<Lookups> {
  const statuses = events.filter((e) => e.kind === 'status');
  const metaIds = new Set(
    events.flatMap((e) => (e.meta_phone_number_id && e.kind !== 'template' ? [e.meta_phone_number_id] : [])),
  );
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
    before: new Map(candidates.map((m) => [m.id, m.status])),
  };
}

/** How an event was closed, and the reason when it was rejected. */
interface Outcome {
  closing: EventClosing;
  rejected: RejectReason | null;
}

function closed(
  event: PendingEvent,
  filedUnder: { account_id: string; id?: string } | undefined,
  rejected: RejectReason | null,
  messageId: string | null = null,
): Outcome {
  return {
    closing: {
      id: event.id,
      account_id: filedUnder?.account_id ?? null,
      sender_id: filedUnder?.id ?? null,
      message_id: messageId,
      rejected_reason: rejected,
    },
    rejected,
  };
}

/**
 * Applies or rejects one event (a status is added to the reports, applied with the batch's; an
 * inbound message or template update adds its callback event); undefined leaves it waiting.
 */
async function applyEvent(
  db: Database,
  event: PendingEvent,
  lookups: Lookups,
  { reports, callbacks, contacts, inbound }: Gathered,
  keywords: OptKeywords,
): Promise<Outcome | undefined> {
  const sender = event.meta_phone_number_id ? lookups.numbers.get(event.meta_phone_number_id) : undefined;
  const stored = readStoredEvent(event);
  switch (stored.kind) {
    case 'status': {
      const decision = decideStatus({
        claim: event,
        sender,
        byWamid: event.wamid ? lookups.byWamid.get(event.wamid) : undefined,
        byCallback: event.message_id ? lookups.byId.get(event.message_id) : undefined,
        expired: event.expired,
      });
      if (decision.outcome === 'wait') return undefined;
      if (decision.outcome === 'reject') return closed(event, decision.sender, decision.reason);
      if (stored.reported)
        reports.push({
          id: decision.message.id,
          status: stored.reported,
          error: stored.error,
          wamid: event.wamid,
          at: event.occurred_at ?? event.received_at,
          pricing: stored.pricing,
        });
      return closed(event, decision.sender, null, decision.message.id);
    }
    case 'message': {
      // Inbound messages are filed under the number that received them, if it is the WABA's.
      const envelope = checkEnvelope(event, sender);
      if (!envelope.ok) return closed(event, undefined, envelope.reason);
      callbacks.push(inboundEventOf(event, stored, envelope.sender));
      const contact = contactOf(event, stored, envelope.sender, keywords);
      if (contact) contacts.push(contact);
      if (contact && stored.message.id)
        inbound.push(inboundMessageOf(event, contact, stored.message.id, stored.content, envelope.sender));
      return closed(event, envelope.sender, null);
    }
    case 'template':
      return applyTemplateUpdate(db, event, stored.update, callbacks);
    case 'other':
      return closed(event, undefined, null);
  }
}

/** Applies to the entry's WABA's own template only; anything else is rejected with what it named. */
async function applyTemplateUpdate(
  db: Database,
  event: PendingEvent,
  update: TemplateStatusUpdate | null,
  callbacks: NewCallbackEvent[],
): Promise<Outcome> {
  const close = (accountId: string | null, rejected: RejectReason | null) =>
    closed(event, accountId ? { account_id: accountId } : undefined, rejected);
  if (!event.waba_id || !update) return close(null, 'malformed_event');
  const updated = await updateTemplateStatus(db, event.waba_id, update.templateId, update.status, update.reason);
  if (updated) {
    callbacks.push({
      accountId: updated.account_id,
      type: 'template.status',
      data: {
        template_id: updated.id,
        name: updated.name,
        language: updated.language,
        category: updated.category,
        status: updated.status,
        reason: updated.status_reason,
      },
    });
    return close(updated.account_id, null);
  }
  // Rare: say why it did not apply.
  const account = await findAccountByWabaId(db, event.waba_id);
  if (!account) return close(null, 'unknown_waba');
  const owner = await findTemplateOwner(db, update.templateId);
  return close(account.id, owner ? 'template_of_other_account' : 'unknown_template');
}

/**
 * A customer who wrote with only their user id (they adopted a username) but whom the account
 * knows by number (an earlier message showed both) is filed under that number, so one customer
 * keeps one contact and one conversation: one lookup for the batch, only when such messages came.
 */
async function addressByKnownNumber(db: Database, gathered: Gathered): Promise<void> {
  const filed = await knownAddresses(
    db,
    gathered.contacts.map((c) => ({ accountId: c.accountId, address: c.number })),
  );
  for (const contact of gathered.contacts) contact.number = filed(contact.accountId, contact.number);
  for (const message of gathered.inbound) message.contactNumber = filed(message.accountId, message.contactNumber);
}

/**
 * The contact who wrote an inbound message: their profile name and user id, and an opt change
 * when the message is exactly a STOP (or START) keyword. A contact is keyed by their number, or
 * by their business-scoped user id when Meta sent no number (a user who adopted a username).
 */
function contactOf(
  event: PendingEvent,
  stored: Extract<StoredWebhookEvent, { kind: 'message' }>,
  receiver: RegisteredNumber,
  keywords: OptKeywords,
): ContactSighting | undefined {
  const userId = normalizeUserId(stored.message.from_user_id ?? stored.contact.user_id ?? '');
  const number = normalizeRecipient(stored.message.from ?? stored.contact.wa_id ?? '') ?? userId;
  if (!number) return undefined;
  const change = optChangeOfReply(stored.content, keywords);
  return {
    accountId: receiver.account_id,
    number,
    at: stored.message.timestamp ?? event.received_at,
    inbound: true,
    profileName: stored.contact.profile?.name ?? null,
    userId,
    opt: change
      ? change.optedOut
        ? { optedOut: true, reason: 'stop_keyword', keyword: change.keyword }
        : { optedOut: false }
      : undefined,
  };
}

/** An inbound message as its conversation keeps it (one from a user known by number: conversations are keyed by it). */
function inboundMessageOf(
  event: PendingEvent,
  contact: ContactSighting,
  wamid: string,
  content: Record<string, unknown>,
  receiver: RegisteredNumber,
): NewInboundMessage {
  return {
    accountId: receiver.account_id,
    senderId: receiver.id,
    contactNumber: contact.number,
    wamid,
    content: inboundContentOf(content),
    raw: content,
    receivedAt: inboundTime(contact.at, event.received_at),
  };
}

/**
 * The `message.inbound` event of a customer's message to one of the account's numbers: who
 * wrote (number, Meta's business-scoped user id, WhatsApp profile name), to which number, when, its type, and Meta's message
 * object as it came (text, button reply, media ids, `context` of the message it answers).
 */
function inboundEventOf(
  event: PendingEvent,
  stored: Extract<StoredWebhookEvent, { kind: 'message' }>,
  receiver: RegisteredNumber,
): NewCallbackEvent {
  return {
    accountId: receiver.account_id,
    type: 'message.inbound',
    data: {
      wamid: stored.message.id,
      phone_number_id: receiver.meta_phone_number_id,
      from: stored.message.from ?? stored.contact.wa_id,
      user_id: stored.message.from_user_id ?? stored.contact.user_id,
      profile_name: stored.contact.profile?.name ?? null,
      username: stored.contact.profile?.username ?? null,
      type: stored.message.type,
      sent_at: (stored.message.timestamp ?? event.received_at).toISOString(),
      message: stored.content,
    },
  };
}
