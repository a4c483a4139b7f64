import { CHARGE_STATES, MESSAGE_STATUSES, PRIORITIES, sendVariablesSchema } from '@dak/core';
import { moneySchema, timestampSchema } from './common';
import { z } from './zod';

// What the presenters (services/presenters.ts, services/admin.ts) return, as documented
// schemas. test/openapi.test.ts parses real answers with them, so a field added to a
// presenter without being documented here fails a test.

const nullableTimestamp = timestampSchema.nullable();

export const sendMessageResponseSchema = z
  .object({
    success: z.literal(true),
    message_id: z.string().openapi({ description: "Dak's id: time-sortable, prefixed `msg_`", example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    status: z.literal('queued'),
  })
  .openapi('SendMessageResponse');

export const messageErrorSchema = z
  .object({
    code: z.union([z.string(), z.number()]).openapi({ description: "Meta's numeric code, or Dak's own (`expired`, `insufficient_funds`, …)", example: 131026 }),
    title: z.string().openapi({ example: 'Message undeliverable' }),
    details: z.string().optional(),
    source: z.enum(['meta', 'dak']),
  })
  .openapi('MessageError');

export const messageStatusSchema = z
  .object({
    success: z.literal(true),
    message_id: z.string().openapi({ example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    wamid: z.string().nullable().openapi({ description: "Meta's message id, once Meta has accepted the message", example: 'wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSQzVBRjE2QjQ4RjI0QkVGQjU2AA==' }),
    status: z.enum(MESSAGE_STATUSES).openapi({ description: 'Only moves forward: queued < sent < failed < delivered < read' }),
    phone_number: z.string().openapi({ description: 'The recipient, digits with country code', example: '919820388810' }),
    phone_number_id: z.string().optional().openapi({ description: 'The sending Meta phone number id' }),
    template_id: z.string().openapi({ example: '1284751902651784' }),
    template_name: z.string().openapi({ example: 'order_update' }),
    client_reference: z.string().nullable(),
    batch_id: z.string().nullable(),
    timestamps: z.object({
      queued_at: timestampSchema,
      sent_at: nullableTimestamp,
      delivered_at: nullableTimestamp,
      read_at: nullableTimestamp,
      failed_at: nullableTimestamp,
    }),
    expires_at: nullableTimestamp.openapi({ description: 'From `expires_in`: not sent by then → failed with code `expired`, credit returned' }),
    error: z.union([messageErrorSchema, z.null()]).openapi({ description: "null, or why the message failed" }),
    charge: z.object({
      amount: moneySchema,
      currency: z.string().openapi({ example: 'INR' }),
      state: z.enum(CHARGE_STATES).openapi({ description: 'held on accept, captured when Meta takes it, released or refunded otherwise' }),
    }),
  })
  .openapi('MessageStatus');

export const templateSchema = z
  .object({
    id: z.string().openapi({ description: "Meta's template id", example: '1284751902651784' }),
    name: z.string().openapi({ example: 'order_update' }),
    language: z.string().openapi({ example: 'en_US' }),
    category: z.string().openapi({ example: 'UTILITY' }),
    status: z.string().openapi({ description: "Meta's status (APPROVED, PENDING, REJECTED, PAUSED, DISABLED), or DELETED once Meta no longer lists it", example: 'APPROVED' }),
    parameter_format: z.enum(['POSITIONAL', 'NAMED']),
    components: z.array(z.record(z.string(), z.unknown())).openapi({ description: "The components exactly as Meta's template API returns them" }),
  })
  .openapi('Template');

const placeholderSchema = z
  .object({
    name: z.string().openapi({ description: 'Without braces', example: '1' }),
    placeholder: z.string().openapi({ example: '{{1}}' }),
    example: z.string().nullable().openapi({ description: "Meta's example value", example: 'John Doe' }),
  })
  .openapi('Placeholder');

const headerDescriptionSchema = z.discriminatedUnion('format', [
  z.object({ format: z.literal('TEXT'), text: z.string(), placeholders: z.array(placeholderSchema) }),
  z.object({
    format: z.enum(['IMAGE', 'VIDEO', 'DOCUMENT']),
    media_type: z.enum(['image', 'video', 'document']),
    example: z.string().nullable().openapi({ description: "Meta's sample media link" }),
  }),
  z.object({ format: z.literal('LOCATION') }),
]);

const buttonDescriptionSchema = z.object({
  index: z.number().int(),
  type: z.string().openapi({ description: "Meta's button type as in the template", example: 'URL' }),
  sub_type: z.enum(['url', 'quick_reply', 'copy_code', 'flow', 'phone_number']).nullable(),
  text: z.string(),
  takes: z
    .enum(['url_suffix', 'payload', 'coupon_code', 'otp_code', 'flow_token', 'nothing', 'unsupported'])
    .openapi({ description: "What the button entry's `values` carry at send time" }),
  required: z.boolean().openapi({ description: 'Whether a send must carry a value for this button' }),
  url: z.string().optional(),
  phone_number: z.string().optional(),
  example: z.string().nullable(),
});

export const templateDescriptionSchema = z
  .object({
    success: z.literal(true),
    template: templateSchema,
    placeholders: z.object({
      parameter_format: z.enum(['POSITIONAL', 'NAMED']),
      header: headerDescriptionSchema.nullable(),
      body: z.object({ text: z.string(), placeholders: z.array(placeholderSchema) }).nullable(),
      buttons: z.array(buttonDescriptionSchema),
    }),
    variables: sendVariablesSchema.meta({ description: "Ready to send: every placeholder filled with Meta's examples" }),
  })
  .openapi('TemplateDescription');

export const templateListSchema = z.object({ success: z.literal(true), templates: z.array(templateSchema) }).openapi('TemplateList');

export const publicWalletSchema = z
  .object({
    success: z.literal(true),
    currency: z.string().openapi({ example: 'INR' }),
    balance: moneySchema.openapi({ description: 'available + held − debt', example: '500.00' }),
    held: moneySchema.openapi({ description: 'Held for messages Meta has not taken yet', example: '0.20' }),
    available: moneySchema.openapi({ description: 'What new sends can use', example: '499.80' }),
    debt: moneySchema.openapi({
      description:
        'What deliveries reported after their credit was returned took beyond the balance. While it is above zero, new sends are refused with 402; a top-up pays it first.',
      example: '0.00',
    }),
  })
  .openapi('Wallet');

const batchItemErrorSchema = z
  .object({
    index: z.number().int().openapi({ description: 'The position of the item in `messages`, from 0', example: 3 }),
    error: z.object({
      code: z.string().openapi({ description: "send-message's code for the same mistake", example: 'invalid_phone_number' }),
      message: z.string().openapi({ description: 'What is wrong with this item and how to fix it' }),
    }),
  })
  .openapi('BatchItemError');

export const sendBatchResponseSchema = z
  .object({
    success: z.literal(true),
    batch_id: z.string().openapi({ description: "The batch's id, prefixed `bat_`", example: 'bat_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    accepted: z.number().int().openapi({ description: 'Messages accepted, held for and queued', example: 9963 }),
    rejected: z.array(batchItemErrorSchema).openapi({ description: 'The items not accepted, in item order, each with its reason' }),
    message_ids: z
      .array(z.string().nullable())
      .openapi({ description: 'One entry per item, in item order: the message id, or null for a rejected item', example: ['msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F', null] }),
  })
  .openapi('SendBatchResponse');

export const batchStatusSchema = z
  .object({
    success: z.literal(true),
    batch_id: z.string().openapi({ example: 'bat_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    created_at: timestampSchema,
    phone_number_id: z.string().openapi({ description: 'The sending Meta phone number id', example: '106540352242922' }),
    template: z.object({
      id: z.string().openapi({ example: '1284751902651784' }),
      name: z.string().openapi({ example: 'order_update' }),
      language: z.string().openapi({ example: 'en_US' }),
    }),
    priority: z.enum(PRIORITIES).openapi({ description: 'The lane its messages were queued in' }),
    accepted: z.number().int().openapi({ example: 9963 }),
    rejected: z.number().int().openapi({ description: 'Items refused when the batch was posted', example: 37 }),
    counts: z
      .object({ queued: z.number().int(), sent: z.number().int(), delivered: z.number().int(), read: z.number().int(), failed: z.number().int() })
      .openapi({ description: "The accepted messages by their current status (as message-status shows it); they add up to accepted" }),
    charges: z
      .object({
        currency: z.string().openapi({ example: 'INR' }),
        held: moneySchema.openapi({ description: 'Held for messages Meta has not taken yet' }),
        captured: moneySchema.openapi({ description: 'Charged: messages Meta took' }),
        refunded: moneySchema.openapi({ description: 'Charged, then returned: messages that failed after Meta took them' }),
        released: moneySchema.openapi({ description: 'Held, then returned: messages that never reached Meta (expired, refused)' }),
      })
      .openapi({ description: 'The price of the accepted messages by what happened to it; the four add up to their total price' }),
  })
  .openapi('BatchStatus');

export const messageListSchema = z
  .object({
    success: z.literal(true),
    messages: z.array(messageStatusSchema.omit({ success: true }).openapi('Message')).openapi({ description: 'Newest first; each as message-status answers it' }),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next (older) page; null on the last page' }),
  })
  .openapi('MessageList');

// Admin API answers carry no `success` field.

export const adminWalletSchema = z
  .object({
    currency: z.string().openapi({ example: 'INR' }),
    available: moneySchema,
    held: moneySchema,
    captured: moneySchema,
    refunded: moneySchema,
    topped_up: moneySchema.openapi({ description: 'topped_up = available − debt + held + captured − refunded' }),
    debt: moneySchema.openapi({ description: 'Owed after late deliveries took more than the balance; a top-up pays it first; sends are refused while it is above zero' }),
  })
  .openapi('AccountWallet');

export const accountSchema = z
  .object({
    id: z.string().openapi({ example: 'acc_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    name: z.string().openapi({ example: 'Demo Store' }),
    waba_id: z.string().openapi({ example: '102290129340398' }),
    currency: z.string().openapi({ example: 'INR' }),
    price: moneySchema.openapi({ description: 'Default price of a message' }),
    category_prices: z.record(z.string(), moneySchema).openapi({ description: 'Prices by template category, where they differ from `price`', example: { MARKETING: '0.20' } }),
    requests_per_second: z.number().int().nullable().openapi({ description: 'Requests per second over all the account\'s keys together; null = no account-wide limit (each key keeps its own)', example: null }),
    created_at: timestampSchema,
    wallet: adminWalletSchema.optional().openapi({ description: 'Included by GET /accounts/{id}' }),
  })
  .openapi('Account');

export const accountListSchema = z.object({ accounts: z.array(accountSchema) }).openapi('AccountList');

export const phoneNumberSchema = z
  .object({
    id: z.string().openapi({ example: 'pn_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    account_id: z.string(),
    phone_number_id: z.string().openapi({ example: '106540352242922' }),
    display_phone_number: z.string().openapi({ example: '15550783881' }),
    mps: z.number().int().openapi({ description: 'Messages per second Meta allows this number', example: 80 }),
    created_at: timestampSchema,
  })
  .openapi('PhoneNumber');

export const phoneNumberListSchema = z.object({ phone_numbers: z.array(phoneNumberSchema) }).openapi('PhoneNumberList');

export const apiKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    account_id: z.string(),
    name: z.string().openapi({ example: 'production' }),
    prefix: z.string().openapi({ description: 'The first characters of the key, to recognise it' }),
    phone_number_ids: z.array(z.string()).nullable().openapi({ description: 'The numbers the key may send from; null = all' }),
    requests_per_second: z.number().int().openapi({ description: "The key's rate limit (100 unless set), with a burst of one second's worth", example: 100 }),
    expires_at: nullableTimestamp,
    revoked_at: nullableTimestamp,
    last_used_at: nullableTimestamp.openapi({ description: 'Updated at most once a minute' }),
    created_at: timestampSchema,
  })
  .openapi('ApiKey');

export const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().openapi({ description: 'The key itself, shown only in this answer (Dak stores its SHA-256)', example: 'dak_…' }) })
  .openapi('CreatedApiKey');

export const apiKeyListSchema = z.object({ api_keys: z.array(apiKeySchema) }).openapi('ApiKeyList');

export const topUpResultSchema = z
  .object({
    replayed: z.boolean().openapi({ description: 'true when this reference was already applied (nothing credited twice)' }),
    wallet: adminWalletSchema,
  })
  .openapi('TopUpResult');

export const templateSyncResultSchema = z
  .object({
    synced: z.number().int().openapi({ description: 'Templates Meta listed, now stored as Meta returned them' }),
    deleted: z.number().int().openapi({ description: 'Templates Meta no longer lists, now marked DELETED' }),
  })
  .openapi('TemplateSyncResult');

export const adminTemplateListSchema = z.object({ templates: z.array(templateSchema) }).openapi('AdminTemplateList');

export const ledgerEntrySchema = z
  .object({
    id: z.number().int().openapi({ description: 'Increasing with time; the paging cursor', example: 4211 }),
    kind: z.enum(['topup', 'hold', 'capture', 'release', 'refund', 'refund_reversal']).openapi({
      description: 'topup credits; hold reserves a message\'s price on accept; capture when Meta takes it; release returns a hold that never reached Meta; refund returns a captured charge of a failed message; refund_reversal takes a refund back when a delivery arrives late',
    }),
    amount: moneySchema.openapi({ description: 'Always positive; `kind` says which way it moved', example: '0.10' }),
    message_id: z.string().nullable().openapi({ description: 'The message this entry is for; null for a top-up', example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    reference: z.string().nullable().openapi({ description: "A top-up's reference; null otherwise", example: null }),
    created_at: timestampSchema,
  })
  .openapi('LedgerEntry');

export const ledgerPageSchema = z
  .object({
    entries: z.array(ledgerEntrySchema).openapi({ description: 'Newest first' }),
    next_before: z.number().int().nullable().openapi({ description: 'Pass as `before` for the next (older) page; null on the last page', example: 4162 }),
  })
  .openapi('LedgerPage');

export const webhookEventSchema = z
  .object({
    id: z.number().int().openapi({ description: 'Increasing with time; the paging cursor', example: 90211 }),
    kind: z.enum(['status', 'message', 'template', 'other']).openapi({ description: 'A message status, an inbound message, a template status update, or anything else Meta sent' }),
    status: z.string().nullable().openapi({ description: "A status event's status, an inbound message's type, a template update's event", example: 'failed' }),
    message_id: z.string().nullable().openapi({ description: 'The message the event was applied to; for a rejected status, the one its callback data named', example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    wamid: z.string().nullable().openapi({ example: 'wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSQzVBRjE2QjQ4RjI0QkVGQjU2AA==' }),
    waba_id: z.string().nullable().openapi({ description: "The envelope's entry id (a WABA), as Meta sent it", example: '102290129340398' }),
    meta_phone_number_id: z.string().nullable().openapi({ description: "The envelope's metadata.phone_number_id, as Meta sent it", example: '106540352242922' }),
    account_id: z.string().nullable().openapi({ description: 'The account the envelope names, when it is registered' }),
    phone_number_id: z.string().nullable().openapi({ description: 'The number (`pn_…`) the envelope names, when it is registered under that WABA' }),
    rejected_reason: z.string().nullable().openapi({
      description:
        'null when applied (or still waiting); else why it was closed without being applied: missing_envelope, unknown_phone_number, phone_number_not_in_waba, ' +
        'message_of_other_account, message_of_other_number, wamid_mismatch, callback_mismatch, unknown_message, unknown_waba, template_of_other_account, unknown_template, malformed_event',
      example: 'message_of_other_account',
    }),
    occurred_at: nullableTimestamp.openapi({ description: "Meta's timestamp of the event" }),
    received_at: timestampSchema,
    closed_at: nullableTimestamp.openapi({ description: 'When it was applied or rejected; null while it waits for its message' }),
  })
  .openapi('WebhookEvent');

export const webhookEventPageSchema = z
  .object({
    events: z.array(webhookEventSchema).openapi({ description: 'Newest first' }),
    next_before: z.number().int().nullable().openapi({ description: 'Pass as `before` for the next (older) page; null on the last page', example: 90162 }),
  })
  .openapi('WebhookEventPage');
