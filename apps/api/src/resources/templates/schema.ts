import { sendVariablesSchema } from '@dak/core';
import type { TemplateFilter } from '@dak/db';
import { z } from '../../openapi/zod';

// Answers, as documented schemas; the presenters return exactly these types.

export const templateSchema = z
  .object({
    id: z.string().openapi({ description: "Meta's template id", example: '1284751902651784' }),
    name: z.string().openapi({ example: 'order_update' }),
    language: z.string().openapi({ example: 'en_US' }),
    category: z.string().openapi({ example: 'UTILITY' }),
    status: z.string().openapi({
      description:
        "Meta's status (APPROVED, PENDING, REJECTED, PAUSED, DISABLED), or DELETED once Meta no longer lists it",
      example: 'APPROVED',
    }),
    parameter_format: z.enum(['POSITIONAL', 'NAMED']),
    components: z
      .array(z.record(z.string(), z.unknown()))
      .openapi({ description: "The components exactly as Meta's template API returns them" }),
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
    variables: sendVariablesSchema.meta({
      description: "Ready to send: every placeholder filled with Meta's examples",
    }),
  })
  .openapi('TemplateDescription');

export const templateListSchema = z
  .object({ success: z.literal(true), templates: z.array(templateSchema) })
  .openapi('TemplateList');

export const templateSyncResultSchema = z
  .object({
    synced: z.number().int().openapi({ description: 'Templates Meta listed, now stored as Meta returned them' }),
    deleted: z.number().int().openapi({ description: 'Templates Meta no longer lists, now marked DELETED' }),
  })
  .openapi('TemplateSyncResult');

export const adminTemplateListSchema = z.object({ templates: z.array(templateSchema) }).openapi('AdminTemplateList');

// Requests.

const STATUS_LIST = /^[A-Z_]+(,[A-Z_]+)*$/;

/** `GET /templates?name=&language=&status=`: exact name and language code; status may list several (APPROVED,PAUSED). */
export const templateFilterSchema = z
  .object({
    name: z.string({ error: 'give one name' }).trim().min(1, 'must not be empty').optional(),
    language: z.string({ error: 'give one language code' }).trim().min(1, 'must not be empty').optional(),
    status: z
      .string({ error: 'give one status, or several separated by commas' })
      .transform((value) => value.trim().toUpperCase())
      .refine(
        (value) => STATUS_LIST.test(value),
        'a status such as APPROVED, or several separated by commas (APPROVED,PAUSED)',
      )
      .optional(),
  })
  .transform(({ status, ...rest }): TemplateFilter => ({
    ...rest,
    ...(status ? { statuses: status.split(',') } : {}),
  }));

export const templateIdParams = z.object({
  template_id: z.string().openapi({ param: { description: "Meta's template id" }, example: '1284751902651784' }),
});
