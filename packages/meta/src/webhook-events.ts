import { createHash } from 'node:crypto';
import { isMessageId } from '@dak/core';

/** One thing Meta told us, ready to be stored raw and applied later. */
export interface WebhookEvent {
  dedupe_key: string;
  kind: 'status' | 'message' | 'template' | 'other';
  message_id: string | null;
  wamid: string | null;
  status: string | null;
  occurred_at: Date | null;
  /** The envelope's claim (entry id, metadata.phone_number_id); checked when the event is applied. */
  waba_id: string | null;
  meta_phone_number_id: string | null;
  payload: Record<string, unknown>;
}

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : typeof value === 'number' ? String(value) : null);
const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);

function unixSeconds(value: unknown): Date | null {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null;
}

/**
 * Splits Meta's envelope (`entry[].changes[].value`) into events. Every event gets a dedupe
 * key so Meta's at-least-once deliveries store once: a status by (wamid, status), an inbound
 * message by its id, anything else by its content. Each key starts with the envelope's WABA
 * and phone number id: an event that claims another envelope (a forgery, or a tenant's
 * statuses naming someone else's message) gets another key, so it can never be stored in the
 * genuine event's place and make the genuine one look like a duplicate.
 */
export function extractWebhookEvents(body: unknown): WebhookEvent[] {
  const events: WebhookEvent[] = [];
  for (const entry of asArray(asObject(body).entry)) {
    const entryObject = asObject(entry);
    const wabaId = asString(entryObject.id);
    for (const change of asArray(entryObject.changes)) {
      const { field, value: rawValue } = asObject(change);
      const value = asObject(rawValue);
      if (field === 'messages') {
        const envelope: Envelope = { wabaId, metaPhoneNumberId: asString(asObject(value.metadata).phone_number_id), metadata: value.metadata ?? null };
        for (const status of asArray(value.statuses)) events.push(statusEvent(asObject(status), envelope));
        for (const message of asArray(value.messages)) events.push(inboundEvent(asObject(message), value, envelope));
        if (!value.statuses && !value.messages) events.push(otherEvent(field, value, wabaId));
      } else if (field === 'message_template_status_update') {
        events.push({
          dedupe_key: `template:${wabaId}:${hash({ value, time: entryObject.time ?? null })}`,
          kind: 'template',
          message_id: null,
          wamid: null,
          status: asString(value.event),
          occurred_at: unixSeconds(entryObject.time),
          waba_id: wabaId,
          meta_phone_number_id: null,
          payload: { waba_id: wabaId, ...value },
        });
      } else {
        events.push(otherEvent(asString(field) ?? 'unknown', value, wabaId));
      }
    }
  }
  return events;
}

interface Envelope {
  wabaId: string | null;
  metaPhoneNumberId: string | null;
  metadata: unknown;
}

function statusEvent(status: Json, envelope: Envelope): WebhookEvent {
  const wamid = asString(status.id);
  const callback = asString(status.biz_opaque_callback_data);
  const state = asString(status.status);
  const sender = `${envelope.wabaId}:${envelope.metaPhoneNumberId}`;
  return {
    dedupe_key: wamid && state ? `status:${sender}:${wamid}:${state}` : `status:${sender}:${hash(status)}`,
    kind: 'status',
    message_id: callback && isMessageId(callback) ? callback : null,
    wamid,
    status: state,
    occurred_at: unixSeconds(status.timestamp),
    waba_id: envelope.wabaId,
    meta_phone_number_id: envelope.metaPhoneNumberId,
    payload: { waba_id: envelope.wabaId, metadata: envelope.metadata, status },
  };
}

function inboundEvent(message: Json, value: Json, envelope: Envelope): WebhookEvent {
  const id = asString(message.id);
  const sender = `${envelope.wabaId}:${envelope.metaPhoneNumberId}`;
  return {
    dedupe_key: id ? `message:${sender}:${id}` : `message:${sender}:${hash(message)}`,
    kind: 'message',
    message_id: null,
    wamid: id,
    status: asString(message.type),
    occurred_at: unixSeconds(message.timestamp),
    waba_id: envelope.wabaId,
    meta_phone_number_id: envelope.metaPhoneNumberId,
    payload: { waba_id: envelope.wabaId, metadata: envelope.metadata, contacts: value.contacts ?? null, message },
  };
}

function otherEvent(field: string, value: Json, wabaId: string | null): WebhookEvent {
  return {
    dedupe_key: `other:${wabaId}:${field}:${hash(value)}`,
    kind: 'other',
    message_id: null,
    wamid: null,
    status: null,
    occurred_at: null,
    waba_id: wabaId,
    meta_phone_number_id: asString(asObject(value.metadata).phone_number_id),
    payload: { waba_id: wabaId, field, value },
  };
}
