import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import {
  BODY_PARAMETER_MAX,
  BUTTON_PARAMETER_MAX,
  HEADER_PARAMETER_MAX,
  VALUES_PER_ENTRY_MAX,
  VARIABLE_ENTRIES_MAX,
} from '@dak/core';
import { MAX_JSON_DEPTH, MAX_LISTED_ISSUES } from '@dak/http';
import { SEND_MESSAGE_BYTES } from '../http/body-limits';
import { PUBLIC_API_BASE } from '../routes/mount-points';
import { sendMessageSchema, MAX_IDEMPOTENCY_KEY } from '../services/send-message';
import { templateFilterSchema } from '../services/senders';
import { registerBatchPaths } from './batch-paths';
import { API_KEY_SCHEME, errorResponses, jsonResponse, rateLimited, unavailable } from './common';
import {
  messageStatusSchema,
  publicWalletSchema,
  sendMessageResponseSchema,
  templateDescriptionSchema,
  templateListSchema,
} from './responses';
import { z } from './zod';

const security = [{ [API_KEY_SCHEME]: [] }];
// Every public route authenticates, then counts the request against the key's rate limit.
const keyErrors = { 401: ['missing_api_key', 'invalid_api_key'], ...rateLimited };

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

/** As sendMessage checks it; the test sends one character more and expects a 400. */

export function registerPublicPaths(registry: OpenAPIRegistry): void {
  const sendMessageRequest = registry.register('SendMessageRequest', sendMessageSchema);

  registry.registerPath({
    method: 'post',
    path: `${PUBLIC_API_BASE}/send-message`,
    operationId: 'sendMessage',
    tags: ['Messages'],
    summary: 'Send a template message',
    description:
      'Checks the request, the template (APPROVED, in your account) and the variables against its placeholders, holds the price ' +
      'from the wallet and queues the message. Nothing is stored and nothing is held for a rejected request. Name the template ' +
      'by `template_id`, or by `template_name` with `template_language`, not both. Unknown fields are ignored. ' +
      `The body is at most ${SEND_MESSAGE_BYTES / 1024} KB and nested at most ${MAX_JSON_DEPTH} levels; \`variables\` follow Meta's limits ` +
      `(${HEADER_PARAMETER_MAX} characters per header value, ${BODY_PARAMETER_MAX} per body value, ${BUTTON_PARAMETER_MAX} per button value ` +
      `or media link, at most ${VARIABLE_ENTRIES_MAX} entries and ${VALUES_PER_ENTRY_MAX} values each). A 400 lists at most ${MAX_LISTED_ISSUES} issues.`,
    security,
    request: {
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
      body: { required: true, content: { 'application/json': { schema: sendMessageRequest, examples: sendMessageExamples } } },
    },
    responses: {
      200: {
        ...jsonResponse('Accepted and queued', sendMessageResponseSchema, { success: true, message_id: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F', status: 'queued' }),
        headers: z.object({
          'Idempotent-Replayed': z.literal('true').optional().openapi({ description: 'Present when this is the stored answer to an earlier request with the same Idempotency-Key' }),
        }),
      },
      ...errorResponses({
        400: ['invalid_request', 'malformed_json', 'json_too_deep', 'invalid_phone_number', 'invalid_idempotency_key'],
        ...keyErrors,
        402: ['insufficient_funds'],
        403: ['phone_number_not_allowed'],
        404: ['template_not_found', 'phone_number_not_found'],
        409: ['idempotency_key_reused'],
        413: ['body_too_large'],
        422: ['variables_mismatch', 'template_not_approved'],
        ...unavailable,
      }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: `${PUBLIC_API_BASE}/message-status/{message_id}`,
    operationId: 'getMessageStatus',
    tags: ['Messages'],
    summary: "A message's status, timestamps, error and charge",
    security,
    request: {
      params: z.object({
        message_id: z.string().openapi({ param: { description: "Dak's id (`msg_…`) or Meta's wamid" }, example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
      }),
    },
    responses: {
      200: jsonResponse('The message', messageStatusSchema),
      ...errorResponses({ ...keyErrors, 404: ['message_not_found'], ...unavailable }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: `${PUBLIC_API_BASE}/get-template-by-id/{template_id}`,
    operationId: 'getTemplateById',
    tags: ['Templates'],
    summary: 'A template, its placeholders, and ready-to-send variables',
    description:
      "The template as synced from Meta, what each part takes (header, body, buttons) with Meta's examples, and a `variables` " +
      'array built from those examples that send-message accepts as is.',
    security,
    request: {
      params: z.object({ template_id: z.string().openapi({ param: { description: "Meta's template id" }, example: '1284751902651784' }) }),
    },
    responses: {
      200: jsonResponse('The template', templateDescriptionSchema),
      ...errorResponses({ ...keyErrors, 404: ['template_not_found'], ...unavailable }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: `${PUBLIC_API_BASE}/templates`,
    operationId: 'listTemplates',
    tags: ['Templates'],
    summary: "The account's templates",
    description: 'Filters match exactly: `name` and `language` (a name is unique per language), `status` one or several separated by commas.',
    security,
    request: { query: templateFilterSchema.in },
    responses: {
      200: jsonResponse('The templates', templateListSchema),
      ...errorResponses({ 400: ['invalid_request'], ...keyErrors, ...unavailable }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: `${PUBLIC_API_BASE}/wallet`,
    operationId: 'getWallet',
    tags: ['Wallet'],
    summary: 'Balance, held and available credit',
    security,
    responses: {
      200: jsonResponse('The wallet', publicWalletSchema),
      ...errorResponses({ ...keyErrors, 404: ['wallet_not_found'], ...unavailable }),
    },
  });

  registerBatchPaths(registry);
}
