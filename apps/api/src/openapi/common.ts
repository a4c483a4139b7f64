import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { ERROR_CODES, type ErrorCode } from '@dak/core';
import { z } from './zod';

/** Security scheme names, as referenced by each operation's `security`. */
export const API_KEY_SCHEME = 'ApiKey';
export const ADMIN_TOKEN_SCHEME = 'AdminToken';

/** The one error shape of every non-2xx answer (packages/http errorBody). */
export const errorBodySchema = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: z.string().openapi({
        description: 'Stable, snake_case: branch on this, not on the message.',
        example: 'template_not_found',
      }),
      message: z.string().openapi({ description: 'What is wrong and how to fix it, for people.' }),
      details: z
        .record(z.string(), z.unknown())
        .optional()
        .openapi({ description: 'Structured facts about the error, e.g. each invalid field.' }),
    }),
  })
  .openapi('Error');

/** Amounts are decimal strings in the account's currency, never floats. */
export const moneySchema = z
  .string()
  .regex(/^-?\d+\.\d{2}$/)
  .openapi({ description: 'A decimal string with two decimals', example: '0.10' });

export const timestampSchema = z.iso.datetime().openapi({ example: '2026-03-14T09:30:00.000Z' });

const retryAfter = z.string().openapi({ description: 'Seconds to wait before retrying', example: '5' });

/** IETF RateLimit headers, sent with every answer of the public API past authentication. */
const rateLimitHeaders = {
  'RateLimit-Limit': z
    .string()
    .openapi({ description: 'Requests per second allowed (also the burst)', example: '100' }),
  'RateLimit-Remaining': z.string().openapi({ description: 'Requests still allowed at once', example: '0' }),
  'RateLimit-Reset': z
    .string()
    .openapi({ description: 'Seconds until the whole burst is available again', example: '1' }),
  'RateLimit-Policy': z.string().openapi({ description: 'The limit as `<requests>;w=<seconds>`', example: '100;w=1' }),
};

function errorHeaders(status: string): Pick<ResponseConfig, 'headers'> {
  if (status === '503') return { headers: z.object({ 'Retry-After': retryAfter }) };
  if (status === '429')
    return { headers: z.object({ 'Retry-After': retryAfter.openapi({ example: '1' }), ...rateLimitHeaders }) };
  return {};
}

const STATUS_MEANING: Record<number, string> = {
  400: 'Malformed request',
  401: 'Missing or invalid credentials',
  402: 'Insufficient funds',
  403: 'Not allowed for this key',
  404: "Not found (also for another account's objects)",
  409: 'Conflict',
  413: 'Body too large',
  422: 'Well-formed, but cannot be done as asked',
  429: "Rate limited: the key's requests per second (or the account's, where the operator set one) are used up; nothing was done. Retry after Retry-After seconds",
  503: 'A dependency (Postgres or Redis) is down; retry after Retry-After seconds',
};

/** Error responses in the shared shape, each status listing its codes (the first one used as the example) and what each means. */
export function errorResponses(byStatus: Record<number, ErrorCode[]>): Record<string, ResponseConfig> {
  const responses: Record<string, ResponseConfig> = {};
  for (const [status, codes] of Object.entries(byStatus)) {
    const meaning = STATUS_MEANING[Number(status)] ?? 'Error';
    responses[status] = {
      description: `${meaning}. \`error.code\`: ${codes.map((code) => `\`${code}\` (${ERROR_CODES[code].means})`).join(', ')}.`,
      ...errorHeaders(status),
      content: {
        'application/json': {
          schema: errorBodySchema,
          example: { success: false, error: { code: codes[0], message: `${meaning}: the message says what to fix.` } },
        },
      },
    };
  }
  return responses;
}

/** A JSON 200/201 answer. */
export function jsonResponse(description: string, schema: z.ZodType, example?: unknown): ResponseConfig {
  return { description, content: { 'application/json': { schema, ...(example !== undefined ? { example } : {}) } } };
}

export const nullableTimestampSchema = timestampSchema.nullable();

/** The cursor of the id-cursor pages (`limit` and `before`, newest first). */
export const nextBeforeSchema = (example: number) =>
  z
    .number()
    .int()
    .nullable()
    .openapi({ description: 'Pass as `before` for the next (older) page; null on the last page', example });
