import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { PUBLIC_API_BASE } from '../routes/mount-points';
import { messageListQuerySchema } from '../services/messages-list';
import { MAX_BATCH_MESSAGES, sendBatchRequestSchema } from '../services/send-batch';
import { MAX_IDEMPOTENCY_KEY } from '../services/send-message';
import { API_KEY_SCHEME, errorResponses, jsonResponse, unavailable } from './common';
import { batchStatusSchema, messageListSchema, sendBatchResponseSchema } from './responses';
import { z } from './zod';

const security = [{ [API_KEY_SCHEME]: [] }];
const keyErrors = { 401: ['missing_api_key', 'invalid_api_key'] };

export const SEND_BATCH_EXAMPLE = {
  phone_number_id: '106540352242922',
  template_name: 'order_update',
  template_language: 'en_US',
  messages: [
    { phone_number: '919820388810', variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }], client_reference: 'order-12345' },
    { phone_number: '+91 98203 88811', variables: [{ type: 'body', values: ['Asha Rao', 'ORD-12346'] }], client_reference: 'order-12346', expires_in: 3600 },
  ],
};

/** send-batch, a batch's status and the messages list (routes/batch-routes.ts). */
export function registerBatchPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: `${PUBLIC_API_BASE}/send-batch`,
    operationId: 'sendBatch',
    tags: ['Messages'],
    summary: 'Send one template to up to 10,000 recipients',
    description:
      `One template, 1 to ${MAX_BATCH_MESSAGES} messages, each with its own recipient, variables, client_reference and expires_in. ` +
      'The sender and the template are checked once: their errors (unknown number or template, template not approved, key not allowed) fail the whole request as on send-message. ' +
      "Each item is then checked exactly as send-message checks a message; an invalid item is listed in `rejected` with its index and send-message's error code, and the others are accepted. " +
      'The accepted messages are held for and stored together: if the wallet cannot cover all of them, the answer is 402 and nothing is stored. ' +
      'When every item is invalid the answer is 422 `no_valid_messages` with each reason in `details.rejected`. ' +
      'Duplicate client_references inside a batch are accepted (they are yours). ' +
      "`priority` is the lane the messages wait in (authentication, utility, marketing; most urgent first): by default the template category's lane; a slower lane may be asked for, a faster one is a 422. " +
      'The body may be at most 8 MB (10,000 messages of about 840 bytes each).',
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
              'Same key and same body within 24 h returns the first answer (same batch_id and message ids) and stores nothing new; the same key with another body is a 409.',
            example: 'sale-2026-03-14',
          }),
      }),
      body: {
        required: true,
        content: { 'application/json': { schema: registry.register('SendBatchRequest', sendBatchRequestSchema), example: SEND_BATCH_EXAMPLE } },
      },
    },
    responses: {
      200: {
        ...jsonResponse('The batch: accepted messages are held for and queued', sendBatchResponseSchema),
        headers: z.object({
          'Idempotent-Replayed': z.literal('true').optional().openapi({ description: 'Present when this is the stored answer to an earlier request with the same Idempotency-Key' }),
        }),
      },
      ...errorResponses({
        400: ['invalid_request', 'malformed_json', 'invalid_idempotency_key'],
        ...keyErrors,
        402: ['insufficient_funds'],
        403: ['phone_number_not_allowed'],
        404: ['template_not_found', 'phone_number_not_found'],
        409: ['idempotency_key_reused'],
        413: ['batch_too_large', 'body_too_large'],
        422: ['no_valid_messages', 'template_not_approved', 'priority_not_allowed'],
        ...unavailable,
      }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: `${PUBLIC_API_BASE}/batches/{batch_id}`,
    operationId: 'getBatch',
    tags: ['Messages'],
    summary: "A batch's messages counted by status, and what they cost",
    security,
    request: {
      params: z.object({ batch_id: z.string().openapi({ param: { description: 'The batch_id send-batch returned' }, example: 'bat_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }) }),
    },
    responses: {
      200: jsonResponse('The batch', batchStatusSchema),
      ...errorResponses({ ...keyErrors, 404: ['batch_not_found'], ...unavailable }),
    },
  });

  registry.registerPath({
    method: 'get',
    path: `${PUBLIC_API_BASE}/messages`,
    operationId: 'listMessages',
    tags: ['Messages'],
    summary: "The account's messages, newest first, filtered",
    description:
      'Every filter is exact and they narrow together; since/until compare the time Dak queued the message. ' +
      'Pages are at most 1,000 messages; follow `next_cursor` until it is null to read every match once. ' +
      "Another account's batch_id simply matches nothing. Unknown parameters are a 400 naming them.",
    security,
    request: { query: messageListQuerySchema },
    responses: {
      200: jsonResponse('A page of messages', messageListSchema),
      ...errorResponses({ 400: ['invalid_request'], ...keyErrors, ...unavailable }),
    },
  });
}
