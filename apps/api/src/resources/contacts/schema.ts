import { nullableTimestampSchema, timestampSchema } from '../../openapi/common';
import { z } from '../../openapi/zod';
import { idCursor, nothingToChange } from '../requests';

// Requests.

const tagSchema = z.string().trim().min(1, 'a tag must not be empty').max(64, 'a tag is at most 64 characters');
const attributeValue = z.union([z.string().max(1024, 'at most 1024 characters'), z.number(), z.boolean(), z.null()]);

const UPDATABLE = ['tags', 'attributes', 'opted_out'];

export const updateContactSchema = z
  .strictObject({
    tags: z
      .array(tagSchema)
      .max(50, 'at most 50 tags')
      .transform((tags) => [...new Set(tags)])
      .optional()
      .describe('Replaces the tags'),
    attributes: z
      .record(z.string().min(1).max(64, 'an attribute name is at most 64 characters'), attributeValue)
      .refine((a) => Object.keys(a).length <= 50, 'at most 50 attributes per change')
      .optional()
      .describe('Merged into the attributes: each key is set, a key set to null is removed'),
    opted_out: z
      .boolean()
      .optional()
      .describe(
        'Opt the contact out of marketing (reason `manual`) or back in. Opt back in only with the customer’s consent.',
      ),
  })
  .refine((body) => Object.keys(body).length > 0, nothingToChange(UPDATABLE));
export type UpdateContactRequest = z.output<typeof updateContactSchema>;

export const contactIdParam = z
  .string()
  .openapi({ param: { description: "The contact's id (`ct_…`)" }, example: 'ct_01JQ8Z6K2R9V4T3N5B7C8D9E0F' });

export const contactListQuerySchema = z.strictObject({
  limit: z.coerce.number().int('limit must be a whole number').min(1).max(200).default(50),
  cursor: idCursor('ct'),
  opted_out: z
    .enum(['true', 'false'], { error: 'opted_out must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .describe('Only contacts opted out of marketing (true) or not (false)'),
  tag: tagSchema.optional().describe('Only contacts with this tag'),
  number: z.string().max(64).optional().describe('Only the contact with this number (digits with country code)'),
  user_id: z.string().max(140).optional().describe('Only contacts with this Meta business-scoped user id'),
});

// Answers.

export const contactSchema = z
  .object({
    id: z.string().openapi({ example: 'ct_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    phone_number: z.string().nullable().openapi({
      description: 'Digits with country code; null for a customer known only by user_id (a WhatsApp username)',
      example: '919820388810',
    }),
    profile_name: z.string().nullable().openapi({ description: 'The WhatsApp profile name from their last message' }),
    user_id: z.string().nullable().openapi({ description: "Meta's business-scoped user id, when Meta sent one" }),
    tags: z.array(z.string()),
    attributes: z.record(z.string(), z.unknown()),
    opted_out: z.boolean().openapi({ description: 'Opted out of marketing: MARKETING templates to them are refused' }),
    opted_out_at: nullableTimestampSchema,
    opt_out_reason: z
      .enum(['stop_keyword', 'meta_131050', 'manual'])
      .nullable()
      .openapi({ description: 'A STOP reply, Meta error 131050 (they stopped marketing), or PATCH by the account' }),
    opt_out_keyword: z.string().nullable().openapi({ description: 'The keyword of a STOP reply' }),
    opt_changed_at: nullableTimestampSchema.openapi({ description: 'When they last opted out or back in' }),
    first_seen_at: timestampSchema,
    last_inbound_at: nullableTimestampSchema,
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .openapi('Contact');

export const contactListSchema = z
  .object({ contacts: z.array(contactSchema), next_cursor: z.string().nullable() })
  .openapi('ContactList');
