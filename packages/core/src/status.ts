export const MESSAGE_STATUSES = ['queued', 'sent', 'failed', 'delivered', 'read'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

// Status only moves forward: queued < sent < failed < delivered < read. A message that
// reached the phone stays delivered whatever arrives late, and a late `sent` never undoes a
// `failed`. Every status change is a guarded UPDATE on the SQL function `dak_status_rank` (see
// the initial migration); STATUS_RANK is the same order for code (a test compares the two).

/** dak_status_rank in code: each change of a message's status raises it. */
export const STATUS_RANK: Readonly<Record<string, number>> = {
  queued: 0,
  sending: 0,
  sent: 1,
  failed: 2,
  delivered: 3,
  read: 4,
};

/** What happened to the money held for a message (`waived`: not charged, as Meta reported it free; see chargeMovements). */
export const CHARGE_STATES = ['held', 'captured', 'released', 'refunded', 'waived'] as const;
export type ChargeState = (typeof CHARGE_STATES)[number];

/** Why a message failed or was retried: stored as its `error` and shown in its status. */
export interface MessageError {
  code: string | number;
  title: string;
  details?: string;
  source: 'meta' | 'dak';
}
