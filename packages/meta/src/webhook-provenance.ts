/**
 * Whose is this event? Meta signs every webhook with the app's secret, but every business on
 * that app gets webhooks signed with it: a signature proves Meta sent it, not which tenant's
 * message it is about. The envelope (the entry's WABA, `metadata.phone_number_id`) is what Meta
 * vouches for, so an event applies only to what that envelope owns.
 */

/** Why an event was closed without being applied; the label of dak_webhooks_events_rejected_total. */
export const REJECT_REASONS = [
  /** No WABA id or no metadata.phone_number_id: Meta always sends both. */
  'missing_envelope',
  /** The envelope's phone number is not registered in Dak. */
  'unknown_phone_number',
  /** The envelope's phone number is registered under another WABA than the entry's. */
  'phone_number_not_in_waba',
  /** The status names a message (by wamid or callback data) of another account. */
  'message_of_other_account',
  /** The status names a message of the same account sent from another of its numbers. */
  'message_of_other_number',
  /** The callback data names a message that already has another wamid. */
  'wamid_mismatch',
  /** The wamid's message is not the one the callback data names. */
  'callback_mismatch',
  /** No message with that wamid or id appeared within a day (sent from outside Dak, say). */
  'unknown_message',
  /** A template update for a WABA no account has. */
  'unknown_waba',
  /** A template update for a template of another account than the entry's WABA. */
  'template_of_other_account',
  /** A template update for a template the WABA's account has not synced. */
  'unknown_template',
  /** A template update without a template id or event. */
  'malformed_event',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** What an event claims about itself. */
export interface EventClaim {
  waba_id: string | null;
  meta_phone_number_id: string | null;
  wamid: string | null;
  /** The Dak message id from `biz_opaque_callback_data`. */
  message_id: string | null;
}

/** A phone number registered in Dak, with the WABA of its account. */
export interface RegisteredNumber {
  id: string;
  account_id: string;
  meta_phone_number_id: string;
  waba_id: string;
}

/** A message a status may be about, with the ids that say who sent it. */
export interface StatusCandidate {
  id: string;
  wamid: string | null;
  account_id: string;
  meta_phone_number_id: string;
}

export type EnvelopeCheck = { ok: true; sender: RegisteredNumber } | { ok: false; reason: RejectReason };

/** The envelope names a registered number of the entry's WABA. */
export function checkEnvelope(
  claim: Pick<EventClaim, 'waba_id' | 'meta_phone_number_id'>,
  sender: RegisteredNumber | undefined,
): EnvelopeCheck {
  if (!claim.waba_id || !claim.meta_phone_number_id) return { ok: false, reason: 'missing_envelope' };
  if (!sender) return { ok: false, reason: 'unknown_phone_number' };
  if (sender.waba_id !== claim.waba_id) return { ok: false, reason: 'phone_number_not_in_waba' };
  return { ok: true, sender };
}

export type StatusDecision =
  | { outcome: 'apply'; message: StatusCandidate; sender: RegisteredNumber }
  | { outcome: 'reject'; reason: RejectReason; sender?: RegisteredNumber }
  | { outcome: 'wait' };

/**
 * A status applies to a message only when the envelope names the number it was sent from (of
 * the entry's WABA) and the wamid is the message's, or the message has no wamid yet and the
 * callback data names it. A status naming no known message waits (its message may not be
 * recorded yet) until `expired`.
 */
export function decideStatus(input: {
  claim: EventClaim;
  sender: RegisteredNumber | undefined;
  byWamid: StatusCandidate | undefined;
  byCallback: StatusCandidate | undefined;
  expired: boolean;
}): StatusDecision {
  const { claim, byWamid, byCallback } = input;
  const target = byWamid ?? byCallback;
  if (!target) return input.expired ? { outcome: 'reject', reason: 'unknown_message' } : { outcome: 'wait' };
  const envelope = checkEnvelope(claim, input.sender);
  if (!envelope.ok) return { outcome: 'reject', reason: envelope.reason };
  const { sender } = envelope;
  if (target.account_id !== sender.account_id) return { outcome: 'reject', reason: 'message_of_other_account', sender };
  if (target.meta_phone_number_id !== sender.meta_phone_number_id)
    return { outcome: 'reject', reason: 'message_of_other_number', sender };
  if (byWamid) {
    if (claim.message_id && claim.message_id !== byWamid.id)
      return { outcome: 'reject', reason: 'callback_mismatch', sender };
    return { outcome: 'apply', message: byWamid, sender };
  }
  if (target.wamid !== null && target.wamid !== claim.wamid)
    return { outcome: 'reject', reason: 'wamid_mismatch', sender };
  return { outcome: 'apply', message: target, sender };
}
