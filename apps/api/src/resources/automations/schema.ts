import {
  automationVariablesSchema,
  conditionSchema,
  dedupePathSchema,
  recipientSpecSchema,
  VALUE_FORMATS,
} from '@dak/core';
import { nullableTimestampSchema, timestampSchema } from '../../openapi/common';
import { z } from '../../openapi/zod';
import { checkTemplateReference, sendMessageSchema } from '../messages/send-message';
import { idCursor, nothingToChange } from '../requests';

// Requests.

export const VERIFY_KINDS = ['hmac_sha256_base64', 'hmac_sha256_hex', 'token'] as const;

const verifySchema = z
  .strictObject({
    kind: z.enum(VERIFY_KINDS, { error: `must be one of ${VERIFY_KINDS.join(', ')}` }),
    header: z
      .string({ error: 'required: the header that carries the signature or token, e.g. X-Shopify-Hmac-Sha256' })
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'must be an HTTP header name, e.g. X-Shopify-Hmac-Sha256'),
    secret: z
      .string({ error: "required: the secret the sender signs with (Shopify: the app's client secret)" })
      .min(8, 'must be at least 8 characters')
      .max(512, 'must be at most 512 characters'),
  })
  .openapi({
    description:
      "How Dak checks that a hook call comes from the sender: `hmac_sha256_base64` (Shopify's X-Shopify-Hmac-Sha256, WooCommerce's X-WC-Webhook-Signature: " +
      'base64 HMAC-SHA256 of the raw body), `hmac_sha256_hex` (Razorpay\'s X-Razorpay-Signature: hex, an optional "sha256=" prefix is accepted), ' +
      '`token` (the header equals the secret). The secret is encrypted at rest and never shown again.',
  });

const valuesDescription =
  'Each value is a constant ("Kirana Cart", 42), a JSONPath into the event ("$.customer.first_name"), ' +
  `or {"path", "format"?, "default"?} with format one of ${VALUE_FORMATS.join(', ')}; {"value": "…"} is a constant that starts with "$.".`;

const automationFields = {
  name: z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters'),
  phone_number_id: sendMessageSchema.shape.phone_number_id,
  template_id: sendMessageSchema.shape.template_id,
  template_name: sendMessageSchema.shape.template_name,
  template_language: sendMessageSchema.shape.template_language,
  // Built in @dak/core before zod is extended for OpenAPI: described with zod's own describe().
  recipient: recipientSpecSchema.describe(
    'Where the recipient\'s number is: a JSONPath ("$.customer.phone"), or a list tried in order (the first present wins)',
  ),
  variables: automationVariablesSchema.describe(
    `send-message's \`variables\`, with value specs in \`values\`. ${valuesDescription}`,
  ),
  condition: conditionSchema
    .nullable()
    .describe(
      'Only events where the field at `path` equals a value, is one of `in`, or `exists` (true/false) become messages; values compare as text',
    ),
  dedupe: dedupePathSchema.describe(
    'The field that identifies the event (an order id): a value that already became a message sends nothing more',
  ),
  verify: verifySchema.nullable(),
  enabled: z.boolean(),
};

export const createAutomationSchema = z
  .object({
    ...automationFields,
    variables: automationFields.variables.default([]),
    condition: automationFields.condition.optional(),
    verify: automationFields.verify.optional(),
    enabled: automationFields.enabled.default(true),
  })
  .superRefine(checkTemplateReference, {
    when: ({ value }) => typeof value === 'object' && value !== null && !Array.isArray(value),
  });
export type CreateAutomationRequest = z.output<typeof createAutomationSchema>;

const UPDATABLE = Object.keys(automationFields);

export const updateAutomationSchema = z
  .object(automationFields)
  .partial()
  .refine((body) => Object.keys(body).length > 0, nothingToChange(UPDATABLE))
  .refine((body) => !(body.template_id !== undefined && (body.template_name || body.template_language)), {
    message: 'give either template_id, or template_name with template_language, not both',
    path: ['template_id'],
  })
  .refine((body) => (body.template_name === undefined) === (body.template_language === undefined), {
    message: 'template_name and template_language go together',
    path: ['template_name'],
  });
export type UpdateAutomationRequest = z.output<typeof updateAutomationSchema>;

export const automationIdParam = z
  .string()
  .openapi({ param: { description: "The automation's id (`aut_…`)" }, example: 'aut_01JQ8Z6K2R9V4T3N5B7C8D9E0F' });

export const eventListQuerySchema = z.strictObject({
  limit: z.coerce.number().int('limit must be a whole number').min(1).max(200).default(50),
  cursor: idCursor('aev'),
});

// Answers.

export const automationSchema = z
  .object({
    id: z.string().openapi({ example: 'aut_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    name: z.string(),
    phone_number_id: z.string().openapi({ description: "The sender's Meta phone number id" }),
    template_id: z.string().nullable(),
    template_name: z.string().nullable(),
    template_language: z.string().nullable(),
    recipient: z.union([z.string(), z.array(z.string())]),
    variables: z.array(z.unknown()),
    condition: z.unknown().nullable(),
    dedupe: z.string(),
    verify: z
      .object({ kind: z.enum(VERIFY_KINDS), header: z.string() })
      .nullable()
      .openapi({ description: 'How calls are verified (the secret is never shown)' }),
    enabled: z.boolean(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .openapi('Automation');

export const createdAutomationSchema = automationSchema
  .extend({
    url: z.string().openapi({
      description:
        'The hook URL to give the external system. It carries a secret token and is shown only in this answer (Dak keeps its SHA-256): keep it like a password.',
      example: 'https://dak.example.com/hooks/aut_01JQ8Z6K2R9V4T3N5B7C8D9E0F/hk_…',
    }),
  })
  .openapi('CreatedAutomation');

export const automationListSchema = z.object({ automations: z.array(automationSchema) }).openapi('AutomationList');

export const deletedAutomationSchema = z.object({ id: z.string(), deleted: z.literal(true) });

export const OUTCOMES = ['pending', 'sent', 'skipped', 'failed', 'invalid'] as const;

export const automationEventSchema = z
  .object({
    id: z.string().openapi({ example: 'aev_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    received_at: timestampSchema,
    outcome: z.enum(OUTCOMES),
    reason: z
      .string()
      .nullable()
      .openapi({ description: 'Why no message: condition_false, field_missing, duplicate, …' }),
    reason_message: z.string().nullable(),
    message_id: z.string().nullable(),
    dedupe_value: z.string().nullable(),
    content_type: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    payload: z.unknown().nullable().openapi({ description: 'The JSON received; null when the body was not JSON' }),
    body_text: z.string().nullable().openapi({ description: 'The body as text (capped) when it was not JSON' }),
    evaluated_at: nullableTimestampSchema,
  })
  .openapi('AutomationEvent');

export const automationEventListSchema = z
  .object({ events: z.array(automationEventSchema), next_cursor: z.string().nullable() })
  .openapi('AutomationEventList');

export const dryRunSchema = z
  .object({
    would_send: z.boolean(),
    outcome: z.enum(['sent', 'skipped', 'failed']).openapi({ description: 'What the event would be recorded as' }),
    reason: z.string().nullable(),
    reason_message: z.string().nullable(),
    dedupe_value: z.string().nullable(),
    message: z
      .object({
        phone_number_id: z.string(),
        phone_number: z.string().openapi({ description: 'The recipient, normalised' }),
        template: z.object({ id: z.string(), name: z.string(), language: z.string(), category: z.string() }),
        variables: z.array(z.unknown()).openapi({ description: 'The resolved variables, as send-message takes them' }),
        components: z.array(z.unknown()).openapi({ description: 'What Meta would receive' }),
        header_text: z.string().nullable(),
        body_text: z.string().nullable(),
        price: z.string(),
        currency: z.string(),
      })
      .nullable(),
  })
  .openapi('AutomationDryRun');
