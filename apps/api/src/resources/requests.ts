import { formatMinor, parseDecimalToMinor } from '@dak/core';
import { z } from '../openapi/zod';

// Pieces shared by the resources' request schemas.

/** An amount as a decimal string ("0.10"), at most `maxMinor` minor units. */
export const decimal = (what: string, maxMinor: number) =>
  z
    .string()
    .refine(
      (v) => parseDecimalToMinor(v) !== null,
      `${what} must be a decimal string with at most 2 decimals, e.g. "0.10"`,
    )
    .refine(
      (v) => (parseDecimalToMinor(v) ?? 0n) <= BigInt(maxMinor),
      `${what} must be at most ${formatMinor(maxMinor)}`,
    );

/** A decimal string the schema has checked, in minor units. */
export const minor = (value: string) => Number(parseDecimalToMinor(value)!);

export const nothingToChange = (fields: string[]) => ({
  message: `nothing to change: give at least one of ${fields.join(', ')}`,
});

/** `limit` and `before` of the admin API's id-cursor pages (ledger, webhook events). */
export const idPageQuery = (what: string) => ({
  limit: z.coerce.number().int('limit must be a whole number').min(1).max(500).default(50),
  before: z.coerce.number().int(`before must be ${what}`).positive(`before must be ${what}`).optional(),
});
