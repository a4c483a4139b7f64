export const MESSAGE_STATUSES = ['queued', 'sent', 'failed', 'delivered', 'read'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

// Status only moves forward: queued < sent < failed < delivered < read. A message that
// reached the phone stays delivered whatever arrives late, and a late `sent` never undoes a
// `failed`. The order itself lives in one place, the SQL function `dak_status_rank` (see the
// initial migration), because every status change is a guarded UPDATE.

/** What happened to the money held for a message. */
export const CHARGE_STATES = ['held', 'captured', 'released', 'refunded'] as const;
export type ChargeState = (typeof CHARGE_STATES)[number];
