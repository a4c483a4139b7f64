export const MESSAGE_STATUSES = ['queued', 'sent', 'failed', 'delivered', 'read'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * Status only moves forward: queued < sent < failed < delivered < read. A message that
 * reached the phone stays delivered whatever arrives late, and a late `sent` never undoes a
 * `failed`.
 */
export const STATUS_RANK: Record<MessageStatus, number> = {
  queued: 0,
  sent: 1,
  failed: 2,
  delivered: 3,
  read: 4,
};

export function isStatusAdvance(from: MessageStatus, to: MessageStatus): boolean {
  return STATUS_RANK[to] > STATUS_RANK[from];
}

export function isMessageStatus(value: string): value is MessageStatus {
  return (MESSAGE_STATUSES as readonly string[]).includes(value);
}

/** What happened to the money held for a message. */
export const CHARGE_STATES = ['held', 'captured', 'released', 'refunded'] as const;
export type ChargeState = (typeof CHARGE_STATES)[number];
