import { nullableTimestampSchema, timestampSchema } from '../../openapi/common';
import { nothingToChange } from '../requests';
import { z } from '../../openapi/zod';

// Answers, as documented schemas; the presenters return exactly these types.

export const apiKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    account_id: z.string(),
    name: z.string().openapi({ example: 'production' }),
    prefix: z.string().openapi({ description: 'The first characters of the key, to recognise it' }),
    phone_number_ids: z
      .array(z.string())
      .nullable()
      .openapi({ description: 'The numbers the key may send from; null = all' }),
    requests_per_second: z.number().int().openapi({
      description: "The key's rate limit (100 unless set), with a burst of one second's worth",
      example: 100,
    }),
    expires_at: nullableTimestampSchema,
    revoked_at: nullableTimestampSchema,
    last_used_at: nullableTimestampSchema.openapi({ description: 'Updated at most once a minute' }),
    created_at: timestampSchema,
  })
  .openapi('ApiKey');

export const createdApiKeySchema = apiKeySchema
  .extend({
    key: z
      .string()
      .openapi({ description: 'The key itself, shown only in this answer (Dak stores its SHA-256)', example: 'dak_…' }),
  })
  .openapi('CreatedApiKey');

export const apiKeyListSchema = z.object({ api_keys: z.array(apiKeySchema) }).openapi('ApiKeyList');

// Requests.

/** A key's limit; the account's may be higher, as it covers all its keys. */
const keyRequestsPerSecond = z
  .number()
  .int('requests_per_second must be a whole number')
  .min(1, 'requests_per_second must be at least 1')
  .max(10_000, 'requests_per_second must be at most 10000');

export const createApiKeySchema = z.object({
  name: z.string().trim().min(1).max(100),
  expires_at: z.iso.datetime({ offset: true }).optional(),
  phone_number_ids: z
    .array(z.string().regex(/^\d{5,20}$/))
    .min(1)
    .optional(),
  requests_per_second: keyRequestsPerSecond.optional(),
});

export const updateApiKeySchema = createApiKeySchema
  .pick({ name: true, requests_per_second: true })
  .partial()
  .refine((body) => Object.keys(body).length > 0, nothingToChange(['name', 'requests_per_second']));

export const apiKeyParams = z.object({ id: z.string().openapi({ param: { description: "The key's id (`key_…`)" } }) });
