import type { z } from 'zod';
import { presentAddress, serviceWindow, sessionText } from '@dak/core';
import type { ConversationMessage, ConversationSummary } from '@dak/db';
import type { conversationMessageListSchema, conversationSchema } from './schema';

const iso = (date: Date | null) => date?.toISOString() ?? null;

type PresentedMessage = z.infer<typeof conversationMessageListSchema>['messages'][number];

/** The last message of either direction (the later one; an inbound one wins a tie, being the customer's). */
function lastMessageOf(row: ConversationSummary): z.infer<typeof conversationSchema>['last_message'] {
  const { last_inbound: inbound, last_outbound: outbound } = row;
  if (inbound && (!outbound || inbound.received_at >= outbound.queued_at)) {
    return {
      id: inbound.id,
      direction: 'inbound',
      type: inbound.type,
      text: inbound.text,
      at: inbound.received_at.toISOString(),
    };
  }
  if (!outbound) return null;
  return {
    id: outbound.id,
    direction: 'outbound',
    ...(outbound.session
      ? { type: outbound.session.type, text: sessionText(outbound.session) }
      : { type: 'template', text: outbound.template_name }),
    at: outbound.queued_at.toISOString(),
  };
}

/** Meta's free-entry `conversation` object: `{id, expiration_timestamp (unix seconds, as a string), origin}`. */
function freeEntryWindowOf(
  entry: Record<string, unknown> | null,
  now: Date,
): z.infer<typeof conversationSchema>['free_entry_window'] {
  if (!entry) return null;
  const seconds = Number(entry.expiration_timestamp);
  const until = Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null;
  return {
    open: until !== null && until > now,
    until: iso(until),
    meta_conversation_id: typeof entry.id === 'string' ? entry.id : null,
  };
}

export function presentConversation(row: ConversationSummary, now = new Date()): z.infer<typeof conversationSchema> {
  const window = serviceWindow(row.last_inbound_at, now);
  return {
    id: row.id,
    phone_number_id: row.meta_phone_number_id,
    contact: {
      id: row.contact_id,
      ...presentAddress(row.contact_number),
      // A customer known by number may also have a user id (Meta sends it beside the number since 2026).
      ...(row.contact_user_id ? { user_id: row.contact_user_id } : {}),
      profile_name: row.profile_name,
    },
    last_message: lastMessageOf(row),
    unread_count: row.unread,
    window: { open: window.open, until: iso(window.until) },
    free_entry_window: freeEntryWindowOf(row.entry_point, now),
    last_activity_at: row.last_activity_at.toISOString(),
  };
}

export function presentConversationMessage(message: ConversationMessage): PresentedMessage {
  if (message.direction === 'inbound') {
    return {
      id: message.id,
      direction: 'inbound',
      wamid: message.wamid,
      type: message.type,
      text: message.text,
      media: message.media_id
        ? { id: message.media_id, mime_type: message.media_mime_type, sha256: message.media_sha256 }
        : null,
      context: message.context_wamid ? { wamid: message.context_wamid, message_id: message.context_message_id } : null,
      message: message.content,
      at: message.at.toISOString(),
      read_at: iso(message.read_at),
    };
  }
  return {
    id: message.id,
    direction: 'outbound',
    wamid: message.wamid,
    ...(message.session
      ? {
          type: message.session.type,
          template: null,
          text: sessionText(message.session),
          context: message.session.context_wamid ? { wamid: message.session.context_wamid } : null,
        }
      : {
          type: 'template',
          template: {
            name: message.template_name,
            language: message.template_language,
            category: message.template_category,
          },
          text: null,
          context: null,
        }),
    status: message.status === 'sending' ? 'queued' : message.status,
    at: message.at.toISOString(),
    sent_at: iso(message.sent_at),
    delivered_at: iso(message.delivered_at),
    read_at: iso(message.read_at),
    failed_at: iso(message.failed_at),
  };
}
