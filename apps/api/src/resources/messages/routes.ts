import {
  BODY_PARAMETER_MAX,
  BUTTON_PARAMETER_MAX,
  DakError,
  type ErrorCode,
  HEADER_PARAMETER_MAX,
  VALUES_PER_ENTRY_MAX,
  VARIABLE_ENTRIES_MAX,
  presentMessage,
} from '@dak/core';
import { findMessage } from '@dak/db';
import { MAX_JSON_DEPTH, MAX_LISTED_ISSUES } from '@dak/http';
import type { Request } from 'express';
import { BODY_LIMITS, SEND_MESSAGE_BYTES } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { z } from '../../openapi/zod';
import { batchStatus } from './batch-status';
import { listAccountMessages, messageListQuerySchema } from './messages-list';
import {
  batchStatusSchema,
  messageListSchema,
  messageStatusSchema,
  sendBatchResponseSchema,
  sendMessageResponseSchema,
} from './schema';
import { MAX_BATCH_MESSAGES, sendBatch, sendBatchRequestSchema } from './send-batch';
import { MAX_IDEMPOTENCY_KEY, sendMessage, sendMessageSchema, type SendResult } from './send-message';
import { sendSessionMessage, sendSessionMessageSchema } from './send-session-message';

/** The original product's request, unchanged: only the base URL differs. */
const ORIGINAL_EXAMPLE = {
  phone_number_id: '106540352242922',
  template_id: '1284751902651784',
  phone_number: '919820388810',
  variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
};

const sendMessageExamples = {
  original: { summary: 'Body placeholders (the original request)', value: ORIGINAL_EXAMPLE },
  byName: {
    summary: 'Template named by name and language; optional fields',
    value: {
      phone_number_id: '106540352242922',
      template_name: 'order_update',
      template_language: 'en_US',
      phone_number: '+91 98203 88810',
      variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
      client_reference: 'order-12345',
      expires_in: 3600,
    },
  },
  byUserId: {
    summary: "A customer known by Meta's business-scoped user id (a WhatsApp username), not by number",
    value: {
      phone_number_id: '106540352242922',
      template_id: '1284751902651784',
      user_id: 'IN.1648738043044942',
      variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
    },
  },
  mediaAndButton: {
    summary: 'Image header, body and a URL button',
    value: {
      phone_number_id: '106540352242922',
      template_id: '1126834725719385',
      phone_number: '919820388810',
      variables: [
        { type: 'header', media: { type: 'image', link: 'https://cdn.example.com/orders/ORD-20931.jpg' } },
        { type: 'body', values: ['Aarav', 'ORD-20931', 'Friday, 14 March'] },
        { type: 'button', index: 0, values: ['ORD-20931'] },
      ],
    },
  },
};

export const SEND_BATCH_EXAMPLE = {
  phone_number_id: '106540352242922',
  template_name: 'order_update',
  template_language: 'en_US',
  messages: [
    {
      phone_number: '919820388810',
      variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
      client_reference: 'order-12345',
    },
    {
      phone_number: '+91 98203 88811',
      variables: [{ type: 'body', values: ['Asha Rao', 'ORD-12346'] }],
      client_reference: 'order-12346',
      expires_in: 3600,
    },
    {
      user_id: 'IN.1648738043044942',
      variables: [{ type: 'body', values: ['Ravi', 'ORD-12347'] }],
    },
  ],
};

const replayedHeader = z.object({
  'Idempotent-Replayed': z.literal('true').optional().openapi({
    description: 'Present when this is the stored answer to an earlier request with the same Idempotency-Key',
  }),
});

/** send-message's and send-session-message's answer. */
const SEND_ONE_RESPONSES = {
  200: {
    description: 'Accepted and queued',
    schema: sendMessageResponseSchema,
    example: { success: true, message_id: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F', status: 'queued' },
    headers: replayedHeader,
  },
};

/** What send-message and send-batch both check: the key, the sender, the template, the wallet. */
const SEND_ERRORS: ErrorCode[] = [
  'invalid_idempotency_key',
  'insufficient_funds',
  'messaging_limit_exceeded',
  'phone_number_not_allowed',
  'template_not_found',
  'phone_number_not_found',
  'idempotency_key_reused',
  'template_not_approved',
];

function idempotencyKeyOf(req: Request): string | undefined {
  const header = req.headers['idempotency-key'];
  return typeof header === 'string' ? header : undefined;
}

function answer<B>(result: SendResult<B>) {
  return {
    status: 200 as const,
    body: result.body,
    ...(result.replayed ? { headers: { 'Idempotent-Replayed': 'true' } } : {}),
  };
}

export const messageRoutes = [
  defineRoute({
    method: 'post',
    path: '/send-message',
    auth: 'api_key',
    operationId: 'sendMessage',
    summary: 'Send a template message',
    description:
      'Checks the request, the template (APPROVED, in your account) and the variables against its placeholders, holds the price ' +
      'from the wallet and queues the message. Nothing is stored and nothing is held for a rejected request. Name the template ' +
      'by `template_id`, or by `template_name` with `template_language`, not both. Unknown fields are ignored. ' +
      "A recipient the account has not messaged in the last 24 h, once its messaging tier's unique users are used up, is a 422 `messaging_limit_exceeded`. " +
      'A MARKETING template to a recipient who opted out (a STOP reply, Meta 131050, or PATCH /contacts) is a 422 `recipient_opted_out`; utility and authentication templates still go. ' +
      `The body is at most ${SEND_MESSAGE_BYTES / 1024} KB and nested at most ${MAX_JSON_DEPTH} levels; \`variables\` follow Meta's limits ` +
      `(${HEADER_PARAMETER_MAX} characters per header value, ${BODY_PARAMETER_MAX} per body value, ${BUTTON_PARAMETER_MAX} per button value ` +
      `or media link, at most ${VARIABLE_ENTRIES_MAX} entries and ${VALUES_PER_ENTRY_MAX} values each). A 400 lists at most ${MAX_LISTED_ISSUES} issues.`,
    headers: z.object({
      'Idempotency-Key': z
        .string()
        .min(1)
        .max(MAX_IDEMPOTENCY_KEY)
        .optional()
        .openapi({
          description:
            'Same key and same body within 24 h returns the first answer and sends nothing new; the same key with another body is a 409. ' +
            'Only successful answers are remembered.',
          example: 'order-12345-confirmation',
        }),
    }),
    body: {
      schema: sendMessageSchema,
      limit: BODY_LIMITS.sendMessage,
      component: 'SendMessageRequest',
      examples: sendMessageExamples,
      raw: true,
    },
    responses: SEND_ONE_RESPONSES,
    errors: [...SEND_ERRORS, 'invalid_phone_number', 'invalid_user_id', 'variables_mismatch', 'recipient_opted_out'],
  }).handle(async ({ ctx, req, body, principal }) =>
    answer(await sendMessage(ctx, principal, body, idempotencyKeyOf(req))),
  ),
  defineRoute({
    method: 'post',
    path: '/send-session-message',
    auth: 'api_key',
    operationId: 'sendSessionMessage',
    summary: "Reply inside the customer's 24-hour window: text, media, location, reaction or interactive",
    description:
      "A free-form message, allowed only while the customer-service window is open: the recipient wrote to this number in the last 24 hours (Dak's own record of inbound messages, as GET /conversations shows it). " +
      'Otherwise the answer is 422 `window_closed`, naming when the window closed (or that the customer never wrote), and nothing is stored or held: reach them with a template (POST /send-message). ' +
      "`type` names the kind, and the object of that name is Meta's for it: `text: {body ≤ 4096, preview_url?}`, `image`/`video`: `{id | link, caption ≤ 1024?}`, " +
      '`document: {id | link, caption?, filename?}`, `audio`/`sticker`: `{id | link}` (`id` from POST /media), `location: {latitude, longitude, name?, address?}`, ' +
      '`reaction: {message_id, emoji}`, `interactive: {type, header?, body?, footer?, action}`. ' +
      "`reply_to` quotes a message (Meta's `context`): its wamid, or Dak's id of a message sent (`msg_…`) or received (`im_…`) on this number; a reaction's `message_id` takes the same. " +
      "Charged at the account's `session_price` (0.00 by default: Meta does not charge service messages), held and settled like a template; it does not count toward the messaging tier. " +
      'Sent in the fastest lane. If Meta answers 131047 (re-engagement required: its window closed first), the message fails and its hold is released. ' +
      'Same answer and Idempotency-Key rules as send-message.',
    headers: z.object({
      'Idempotency-Key': z.string().min(1).max(MAX_IDEMPOTENCY_KEY).optional().openapi({
        description:
          'Same key and same body within 24 h returns the first answer and sends nothing new; the same key with another body is a 409.',
        example: 'ticket-8812-reply-3',
      }),
    }),
    body: {
      schema: sendSessionMessageSchema,
      limit: BODY_LIMITS.sendMessage,
      component: 'SendSessionMessageRequest',
      examples: {
        text: {
          summary: 'A text reply quoting the customer',
          value: {
            phone_number_id: '106540352242922',
            phone_number: '919820388810',
            type: 'text',
            text: { body: 'Your order ORD-12345 ships today.' },
            reply_to: 'wamid.HBgMOTE5ODIwMzg4ODEwFQIAEhggQjk0',
          },
        },
        image: {
          summary: 'An uploaded image (id from POST /media) with a caption',
          value: {
            phone_number_id: '106540352242922',
            phone_number: '919820388810',
            type: 'image',
            image: { id: '1480297453512345', caption: 'The invoice' },
          },
        },
      },
      raw: true,
    },
    responses: SEND_ONE_RESPONSES,
    errors: [
      'invalid_idempotency_key',
      'invalid_phone_number',
      'invalid_user_id',
      'insufficient_funds',
      'phone_number_not_allowed',
      'phone_number_not_found',
      'idempotency_key_reused',
      'window_closed',
      'reply_to_not_found',
    ],
  }).handle(async ({ ctx, req, body, principal }) =>
    answer(await sendSessionMessage(ctx, principal, body, idempotencyKeyOf(req))),
  ),
  defineRoute({
    method: 'get',
    path: '/message-status/:message_id',
    auth: 'api_key',
    operationId: 'getMessageStatus',
    summary: "A message's status, timestamps, error and charge",
    params: z.object({
      message_id: z.string().openapi({
        param: { description: "Dak's id (`msg_…`) or Meta's wamid" },
        example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F',
      }),
    }),
    responses: { 200: { description: 'The message', schema: messageStatusSchema } },
    errors: ['message_not_found'],
  }).handle(async ({ ctx, params, principal }) => {
    const message = await findMessage(ctx.db, principal.accountId, params.message_id);
    if (!message) {
      throw new DakError(
        'message_not_found',
        `No message "${params.message_id}". Use the message_id returned by send-message, or the message's wamid.`,
      );
    }
    return { status: 200, body: { success: true, ...presentMessage(message) } };
  }),
  defineRoute({
    method: 'post',
    path: '/send-batch',
    auth: 'api_key',
    operationId: 'sendBatch',
    summary: 'Send one template to up to 10,000 recipients',
    description:
      `One template, 1 to ${MAX_BATCH_MESSAGES} messages, each with its own recipient, variables, client_reference and expires_in. ` +
      'The sender and the template are checked once: their errors (unknown number or template, template not approved, key not allowed) fail the whole request as on send-message. ' +
      "Each item is then checked exactly as send-message checks a message; an invalid item is listed in `rejected` with its index and send-message's error code, and the others are accepted. " +
      'The accepted messages are held for and stored together: if the wallet cannot cover all of them, the answer is 402 and nothing is stored. ' +
      'When every item is invalid the answer is 422 `no_valid_messages` with each reason in `details.rejected`. ' +
      "When the batch's recipients not messaged by the account in the last 24 h are more than its messaging tier has left, the answer is 422 `messaging_limit_exceeded` and nothing is stored or held. " +
      'Duplicate client_references inside a batch are accepted (they are yours). ' +
      'With a MARKETING template, an item whose recipient opted out is rejected by index with `recipient_opted_out` (nothing held for it). ' +
      "`priority` is the lane the messages wait in (authentication, utility, marketing; most urgent first): by default the template category's lane; a slower lane may be asked for, a faster one is a 422. " +
      'The body may be at most 8 MB (10,000 messages of about 840 bytes each).',
    headers: z.object({
      'Idempotency-Key': z.string().min(1).max(MAX_IDEMPOTENCY_KEY).optional().openapi({
        description:
          'Same key and same body within 24 h returns the first answer (same batch_id and message ids) and stores nothing new; the same key with another body is a 409.',
        example: 'sale-2026-03-14',
      }),
    }),
    body: {
      schema: sendBatchRequestSchema,
      limit: BODY_LIMITS.sendBatch,
      component: 'SendBatchRequest',
      example: SEND_BATCH_EXAMPLE,
      raw: true,
    },
    responses: {
      200: {
        description: 'The batch: accepted messages are held for and queued',
        schema: sendBatchResponseSchema,
        headers: replayedHeader,
      },
    },
    errors: [...SEND_ERRORS, 'batch_too_large', 'no_valid_messages', 'priority_not_allowed'],
  }).handle(async ({ ctx, req, body, principal }) =>
    answer(await sendBatch(ctx, principal, body, idempotencyKeyOf(req))),
  ),
  defineRoute({
    method: 'get',
    path: '/batches/:batch_id',
    auth: 'api_key',
    operationId: 'getBatch',
    summary: "A batch's messages counted by status, and what they cost",
    params: z.object({
      batch_id: z.string().openapi({
        param: { description: 'The batch_id send-batch returned' },
        example: 'bat_01JQ8Z6K2R9V4T3N5B7C8D9E0F',
      }),
    }),
    responses: { 200: { description: 'The batch', schema: batchStatusSchema } },
    errors: ['batch_not_found'],
  }).handle(async ({ ctx, params, principal }) => ({
    status: 200,
    body: await batchStatus(ctx, principal, params.batch_id),
  })),
  defineRoute({
    method: 'get',
    path: '/messages',
    auth: 'api_key',
    operationId: 'listMessages',
    summary: "The account's messages, newest first, filtered",
    description:
      'Every filter is exact and they narrow together; since/until compare the time Dak queued the message. ' +
      'Pages are at most 1,000 messages; follow `next_cursor` until it is null to read every match once. ' +
      "Another account's batch_id simply matches nothing. Unknown parameters are a 400 naming them.",
    query: messageListQuerySchema,
    responses: { 200: { description: 'A page of messages', schema: messageListSchema } },
  }).handle(async ({ ctx, query, principal }) => ({
    status: 200,
    body: await listAccountMessages(ctx, principal, query),
  })),
];
