import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isMessageId, isReportedStatus, type MessageError, type ReportedPricing, type ReportedStatus } from '@dak/core';
import { messageErrorFromStatus } from './meta-errors';
import {
  inboundContactSchema,
  inboundMessageSchema,
  list,
  jsonObject,
  readObject,
  statusSchema,
  templateUpdateSchema,
  text,
  unixTime,
  valueMetadataSchema,
  webhookBodySchema,
  type MetaInboundContact,
  type MetaInboundMessage,
  type MetaStatus,
} from './webhook-schema';

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
  /** What Meta sent, as it came (read back with readStoredEvent). */
  payload: Record<string, unknown>;
}

type Json = Record<string, unknown>;
const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
const jsonList = z.array(jsonObject).catch([]);
const metaPhoneNumberIdOf = (value: Json) => readObject(valueMetadataSchema, value).metadata.phone_number_id;

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
  for (const entry of webhookBodySchema.parse(body).entry) {
    const wabaId = entry.id;
    for (const { field, value } of entry.changes) {
      if (field === 'messages') {
        const envelope: Envelope = {
          wabaId,
          metaPhoneNumberId: metaPhoneNumberIdOf(value),
          metadata: value.metadata ?? null,
        };
        for (const status of jsonList.parse(value.statuses)) events.push(statusEvent(status, envelope));
        for (const message of jsonList.parse(value.messages)) events.push(inboundEvent(message, value, envelope));
        if (!value.statuses && !value.messages) events.push(otherEvent(field, value, wabaId));
      } else if (field === 'message_template_status_update') {
        events.push({
          dedupe_key: `template:${wabaId}:${hash({ value, time: entry.time ?? null })}`,
          kind: 'template',
          message_id: null,
          wamid: null,
          status: readObject(templateUpdateSchema, value).event,
          occurred_at: unixTime.parse(entry.time),
          waba_id: wabaId,
          meta_phone_number_id: null,
          payload: { waba_id: wabaId, ...value },
        });
      } else {
        events.push(otherEvent(text.parse(field) ?? 'unknown', value, wabaId));
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

function statusEvent(raw: Json, envelope: Envelope): WebhookEvent {
  const status = readObject(statusSchema, raw);
  const callback = status.biz_opaque_callback_data;
  const sender = `${envelope.wabaId}:${envelope.metaPhoneNumberId}`;
  return {
    dedupe_key:
      status.id && status.status ? `status:${sender}:${status.id}:${status.status}` : `status:${sender}:${hash(raw)}`,
    kind: 'status',
    message_id: callback && isMessageId(callback) ? callback : null,
    wamid: status.id,
    status: status.status,
    occurred_at: status.timestamp,
    waba_id: envelope.wabaId,
    meta_phone_number_id: envelope.metaPhoneNumberId,
    payload: { waba_id: envelope.wabaId, metadata: envelope.metadata, status: raw },
  };
}

function inboundEvent(raw: Json, value: Json, envelope: Envelope): WebhookEvent {
  const message = readObject(inboundMessageSchema, raw);
  const sender = `${envelope.wabaId}:${envelope.metaPhoneNumberId}`;
  return {
    dedupe_key: message.id ? `message:${sender}:${message.id}` : `message:${sender}:${hash(raw)}`,
    kind: 'message',
    message_id: null,
    wamid: message.id,
    status: message.type,
    occurred_at: message.timestamp,
    waba_id: envelope.wabaId,
    meta_phone_number_id: envelope.metaPhoneNumberId,
    payload: { waba_id: envelope.wabaId, metadata: envelope.metadata, contacts: value.contacts ?? null, message: raw },
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
    meta_phone_number_id: metaPhoneNumberIdOf(value),
    payload: { waba_id: wabaId, field, value },
  };
}

/** A template's new status, as Dak stores it (a reinstated template is approved again). */
export interface TemplateStatusUpdate {
  templateId: string;
  status: string;
  /** Meta's reason for a rejection or pause; null when it gave none. */
  reason: string | null;
}

/** A stored event as the applier reads it back: what Meta said, typed. */
export type StoredWebhookEvent =
  | {
      kind: 'status';
      /** The status to apply; null for one Dak does not track (e.g. `deleted`). */
      reported: ReportedStatus | null;
      /** For `failed`: Meta's first error as the message's error. */
      error: MessageError | null;
      /** The pricing Meta reported on it (with its `conversation` when one came); null when none. */
      pricing: ReportedPricing | null;
      report: MetaStatus;
    }
  | {
      kind: 'message';
      message: MetaInboundMessage;
      /** Meta's message object as it came: the text, reply, media ids, `context` of the message it answers. */
      content: Record<string, unknown>;
      /** The first of `contacts` (the writer), every field null when Meta sent none. */
      contact: MetaInboundContact;
    }
  /** `update` is null when the event names no template or no event. */
  | { kind: 'template'; update: TemplateStatusUpdate | null }
  | { kind: 'other' };

/**
 * A status's `pricing` as Dak stores it: Meta's model, category and type (null when absent),
 * `billable` when Meta still sends it, and the status's `conversation` (Meta sends one only for
 * free-entry-point messages). Null when the status carries no pricing object.
 */
export function reportedPricing(status: MetaStatus): ReportedPricing | null {
  if (!status.pricing) return null;
  const { billable, pricing_model, category, type } = status.pricing;
  return {
    pricing_model: pricing_model ?? null,
    category: category ?? null,
    type: type ?? null,
    ...(billable !== undefined ? { billable } : {}),
    ...(status.conversation ? { conversation: status.conversation } : {}),
  };
}

/** Reads a stored event's payload back through the schemas it was split with. */
export function readStoredEvent(event: { kind: string; payload: unknown }): StoredWebhookEvent {
  const payload = jsonObject.parse(event.payload);
  switch (event.kind) {
    case 'status': {
      const report = readObject(statusSchema, payload.status);
      const reported = isReportedStatus(report.status) ? report.status : null;
      return {
        kind: 'status',
        reported,
        error: reported === 'failed' ? messageErrorFromStatus(report.errors) : null,
        pricing: reportedPricing(report),
        report,
      };
    }
    case 'message':
      return {
        kind: 'message',
        message: readObject(inboundMessageSchema, payload.message),
        content: jsonObject.parse(payload.message),
        contact: list(inboundContactSchema).parse(payload.contacts)[0] ?? inboundContactSchema.parse({}),
      };
    case 'template': {
      const update = readObject(templateUpdateSchema, payload);
      if (!update.message_template_id || !update.event) return { kind: 'template', update: null };
      return {
        kind: 'template',
        update: {
          templateId: update.message_template_id,
          status: update.event === 'REINSTATED' ? 'APPROVED' : update.event,
          reason: update.reason && update.reason !== 'NONE' ? update.reason : null,
        },
      };
    }
    default:
      return { kind: 'other' };
  }
}
