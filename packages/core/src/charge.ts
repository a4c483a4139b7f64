import type { ChargeState } from './status';

/** What Meta or Dak reports about a message, ending in a status Meta gave it. */
export const REPORTED_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];

export function isReportedStatus(status: string | null | undefined): status is ReportedStatus {
  return REPORTED_STATUSES.some((reported) => reported === status);
}

/**
 * What just happened to a message, as far as its money cares:
 * - `accepted`: Meta answered the send with a wamid;
 * - `failed_before_meta`: the send ended without reaching Meta (refused, out of retries, expired at claim);
 * - `expired_unsent`: still queued when `expires_in` ran out;
 * - a status from Meta: the status the message holds once the report is applied (statuses only
 *   move forward, so `failed` means it was never delivered, and `delivered` after a `failed` is `delivered`).
 */
export const CHARGE_HAPPENINGS = ['accepted', 'failed_before_meta', 'expired_unsent', ...REPORTED_STATUSES] as const;
export type ChargeHappening = (typeof CHARGE_HAPPENINGS)[number];

/** One change of a message's money, from one charge state to another (the wallet repository executes it). */
export const CHARGE_MOVEMENTS = {
  capture: { from: 'held', to: 'captured' },
  // Dak released the hold (no answer from Meta, then expired or refused on a resend), yet Meta
  // reports the first send delivered: it is charged after all.
  capture_released: { from: 'released', to: 'captured' },
  release: { from: 'held', to: 'released' },
  refund: { from: 'captured', to: 'refunded' },
  refund_reversal: { from: 'refunded', to: 'captured' },
  // Meta reports the message free and the account does not charge what Meta does not: the
  // hold goes back, or the capture is given back; nothing moves it again.
  waive_hold: { from: 'held', to: 'waived' },
  waive_capture: { from: 'captured', to: 'waived' },
} as const satisfies Record<string, { from: ChargeState; to: ChargeState }>;
export type ChargeMovement = keyof typeof CHARGE_MOVEMENTS;

/**
 * The one rule for a message's money: which movements to make, in order, given its charge
 * state and what just happened. A hold is captured when Meta takes the message (its answer or
 * any status, whichever comes first) and released when it never reached Meta; a message that
 * ends `failed` is refunded; a delivery after a refund takes the refund back, and one after a
 * released hold charges it. Anything else moves nothing.
 *
 * `free`: Meta reported the message free (its pricing `type`) and the account does not charge
 * such messages. A status that is not `failed` then waives it: a hold is given back, a capture
 * too, and a message Dak had already released or refunded is not charged after all. A `failed`
 * one is refunded as any other; `waived` is final.
 */
export function chargeMovements(state: ChargeState, happening: ChargeHappening, free = false): ChargeMovement[] {
  if (state === 'waived') return [];
  if (free && isReportedStatus(happening) && happening !== 'failed') {
    if (state === 'held') return ['waive_hold'];
    return state === 'captured' ? ['waive_capture'] : [];
  }
  switch (happening) {
    case 'accepted':
      return state === 'held' ? ['capture'] : [];
    case 'failed_before_meta':
    case 'expired_unsent':
      return state === 'held' ? ['release'] : [];
    default: {
      // Any status from Meta means Meta took the message.
      const moves: ChargeMovement[] = state === 'held' ? ['capture'] : [];
      const charged = state === 'held' ? 'captured' : state;
      const delivered = happening === 'delivered' || happening === 'read';
      if (happening === 'failed' && charged === 'captured') moves.push('refund');
      else if (delivered && charged === 'refunded') moves.push('refund_reversal');
      else if (delivered && charged === 'released') moves.push('capture_released');
      return moves;
    }
  }
}

/** The charge state movements leave, each made only from its `from` state (as the wallet repository makes them). */
export function chargeStateAfter(state: ChargeState, movements: ChargeMovement[]): ChargeState {
  return movements.reduce<ChargeState>(
    (current, movement) => (CHARGE_MOVEMENTS[movement].from === current ? CHARGE_MOVEMENTS[movement].to : current),
    state,
  );
}
