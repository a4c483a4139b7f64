import { createHash } from 'node:crypto';

/** Meta's customer-service window: free-form messages are allowed this long after the customer's last message. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * A conversation's id: `cnv_` and 26 hex digits of a hash of the account, the business number
 * (`pn_…`) and the contact's number. Deterministic, so the webhook applier upserts it without a
 * lookup; the conversations migration computes the same in SQL for its backfill.
 */
export function conversationId(accountId: string, senderId: string, contactNumber: string): string {
  const digest = createHash('sha256')
    .update(`${accountId}\u001f${senderId}\u001f${contactNumber}`, 'utf8')
    .digest('hex');
  return `cnv_${digest.slice(0, 26)}`;
}

export const isConversationId = (value: string): boolean => /^cnv_[0-9a-f]{26}$/.test(value);

/** The 24-hour window after the customer's last message: open until then, closed (until null) when they never wrote. */
export function serviceWindow(lastInboundAt: Date | null, now = new Date()): { open: boolean; until: Date | null } {
  if (!lastInboundAt) return { open: false, until: null };
  const until = new Date(lastInboundAt.getTime() + SERVICE_WINDOW_MS);
  return { open: until.getTime() > now.getTime(), until };
}

export const INBOUND_MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;

/** What Dak keeps as columns of an inbound message, read from Meta's message object. */
export interface InboundContent {
  type: string;
  /** The text, caption, reply title, reaction emoji, location name or contact names; null when none. */
  text: string | null;
  media: { id: string; mimeType: string | null; sha256: string | null } | null;
  /** The wamid it answers: `context.id`, or for a reaction the message it is on. */
  contextWamid: string | null;
}

type Json = Record<string, unknown>;
const objectAt = (value: unknown, key: string): Json | undefined => {
  const inner = typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;
  return typeof inner === 'object' && inner !== null && !Array.isArray(inner) ? (inner as Json) : undefined;
};
const stringAt = (value: unknown, key: string): string | null => {
  const inner = typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;
  return typeof inner === 'string' && inner !== '' ? inner : null;
};

/** The words of a message of each kind Meta sends (anything else keeps only its object). */
function textOf(type: string, message: Json): string | null {
  const payload = objectAt(message, type);
  switch (type) {
    case 'text':
      return stringAt(payload, 'body');
    case 'button':
      return stringAt(payload, 'text') ?? stringAt(payload, 'payload');
    case 'interactive': {
      const reply = objectAt(payload, 'button_reply') ?? objectAt(payload, 'list_reply');
      if (reply) return stringAt(reply, 'title');
      return stringAt(objectAt(payload, 'nfm_reply'), 'body');
    }
    case 'reaction':
      return stringAt(payload, 'emoji');
    case 'location':
      return stringAt(payload, 'name') ?? stringAt(payload, 'address');
    case 'contacts': {
      const list = Array.isArray(message.contacts) ? message.contacts : [];
      const names = list.flatMap((c) => {
        const name = stringAt(objectAt(c, 'name'), 'formatted_name');
        return name ? [name] : [];
      });
      return names.length > 0 ? names.join(', ') : null;
    }
    default:
      return (INBOUND_MEDIA_TYPES as readonly string[]).includes(type) ? stringAt(payload, 'caption') : null;
  }
}

/** Reads an inbound message object (as Meta sent it) into the columns Dak keeps beside it. */
export function inboundContentOf(message: Json): InboundContent {
  const type = stringAt(message, 'type') ?? 'unknown';
  const payload = objectAt(message, type);
  const mediaId = (INBOUND_MEDIA_TYPES as readonly string[]).includes(type) ? stringAt(payload, 'id') : null;
  return {
    type,
    text: textOf(type, message),
    media: mediaId
      ? { id: mediaId, mimeType: stringAt(payload, 'mime_type'), sha256: stringAt(payload, 'sha256') }
      : null,
    contextWamid:
      stringAt(objectAt(message, 'context'), 'id') ?? (type === 'reaction' ? stringAt(payload, 'message_id') : null),
  };
}

/**
 * When an inbound message was sent, to the millisecond: Meta's `timestamp` has whole seconds,
 * so the message was sent in [timestamp, timestamp + 1 s) and no later than Dak received it.
 * The time Dak received it, kept inside that second, orders it against Dak's own messages (a
 * reply in the same second as the template it answers comes after it). Without Meta's time,
 * the time Dak received it.
 */
export function inboundTime(metaTime: Date | null, receivedAt: Date): Date {
  if (!metaTime) return receivedAt;
  const start = metaTime.getTime();
  return new Date(Math.min(Math.max(receivedAt.getTime(), start), start + 999));
}
