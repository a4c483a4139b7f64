import { formatMinor } from './money';
import { presentAddress } from './phone';
import { presentPricing, type ReportedPricing } from './pricing';
import { presentSession, type MessageKind, type SessionPayload } from './session';
import { STATUS_RANK, type ChargeState, type MessageError, type MessageStatus } from './status';

/** The stored message fields a message's public answer shows (the messages table's columns). */
export interface StoredMessageView {
  id: string;
  wamid: string | null;
  /** As stored: `sending` is internal. */
  status: string;
  recipient: string;
  template_id: string;
  template_name: string;
  /** 'session': a free-form reply (its template columns are empty); 'template' otherwise. */
  kind: MessageKind;
  session: SessionPayload | null;
  client_reference: string | null;
  batch_id: string | null;
  queued_at: Date;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
  expires_at: Date | null;
  error: MessageError | null;
  price_minor: number;
  currency: string;
  charge_state: ChargeState;
  /** The latest pricing Meta reported on its statuses. */
  meta_pricing: ReportedPricing | null;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** `sending` is internal (a worker holds the row); callers see `queued` until Meta takes it. */
export function publicStatus(status: string): MessageStatus {
  return status === 'sending' ? 'queued' : (status as MessageStatus);
}

/**
 * A message as `message-status`, the messages list and `message.status` callbacks show it: one
 * shape wherever a business reads a message.
 */
export function presentMessage(message: StoredMessageView) {
  return {
    message_id: message.id,
    wamid: message.wamid,
    status: publicStatus(message.status),
    ...presentAddress(message.recipient),
    kind: message.kind,
    template_id: message.kind === 'session' ? null : message.template_id,
    template_name: message.kind === 'session' ? null : message.template_name,
    session: presentSession(message.session),
    client_reference: message.client_reference,
    batch_id: message.batch_id,
    timestamps: {
      queued_at: message.queued_at.toISOString(),
      sent_at: iso(message.sent_at),
      delivered_at: iso(message.delivered_at),
      read_at: iso(message.read_at),
      failed_at: iso(message.failed_at),
    },
    expires_at: iso(message.expires_at),
    error: message.error,
    charge: { amount: formatMinor(message.price_minor), currency: message.currency, state: message.charge_state },
    pricing: presentPricing(message.meta_pricing),
  };
}
export type PresentedMessage = ReturnType<typeof presentMessage>;

/** A message whose status just changed, with the status it had before. */
export interface StatusChange {
  message: StoredMessageView & { account_id: string };
  previous: string;
  /** The status it moved to; the message's own status unless a later change in the same batch moved it on. */
  status: string;
}

/**
 * The `message.status` callback event of one change: the message as `message-status` shows
 * it, at the status it moved to, with `previous_status` and a `sequence` that grows with every
 * change of that message (the status's rank), so a receiver can drop anything older than what
 * it already has.
 */
export function messageStatusEvent({ message, previous, status }: StatusChange) {
  const sequence = STATUS_RANK[status] ?? 0;
  return {
    accountId: message.account_id,
    type: 'message.status' as const,
    messageId: message.id,
    sequence,
    data: {
      ...presentMessage(message),
      status: publicStatus(status),
      previous_status: publicStatus(previous),
      sequence,
    },
  };
}

/**
 * The changes a series of reports makes, in order, applied one by one as the guarded UPDATE
 * does: each report that raises its message's status above where it stands is one change.
 * `before` is each message's status before the first report.
 */
export function statusChangesOf(
  before: ReadonlyMap<string, string>,
  reports: readonly { id: string; status: string }[],
): { id: string; previous: string; status: string }[] {
  const current = new Map(before);
  const changes: { id: string; previous: string; status: string }[] = [];
  for (const { id, status } of reports) {
    const previous = current.get(id);
    if (previous === undefined || (STATUS_RANK[status] ?? -1) <= (STATUS_RANK[previous] ?? -1)) continue;
    changes.push({ id, previous, status });
    current.set(id, status);
  }
  return changes;
}
