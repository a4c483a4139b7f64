import { DakError, formatMinor, parseDecimalToMinor, type IdPrefix } from '@dak/core';
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

/** An id-cursor page's cursor: the page's last id, opaque to callers so its form can change. */
export const encodeIdCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');

/**
 * The `cursor` query field of a page ordered by ids with `prefix` (`msg`, `aev`, `ct`, …): it
 * decodes to the id, and anything this endpoint did not give is a 400 naming `cursor`.
 */
export const idCursor = (prefix: IdPrefix) =>
  z
    .string({ error: 'give one cursor' })
    .transform((value, ctx) => {
      const id = Buffer.from(value, 'base64url').toString('utf8');
      if (new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`).test(id)) return id;
      ctx.addIssue({
        code: 'custom',
        message: 'not a cursor from this endpoint: pass next_cursor from the previous page unchanged',
      });
      return z.NEVER;
    })
    .optional()
    .describe("The previous page's next_cursor, unchanged; omit it for the first (newest) page");

/** A page read with `limit + 1` rows: the page, and the cursor of the next one (null on the last). */
export function idPage<R extends { id: string }>(rows: R[], limit: number): { page: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { page, nextCursor: rows.length > limit ? encodeIdCursor(page.at(-1)!.id) : null };
}

/** A 400 for one field a service checks itself (past the schema): `field: message`, listed in details.issues. */
export function invalidField(field: string, message: string): DakError {
  return new DakError('invalid_request', `${field}: ${message}`, { issues: [{ path: field, message }] });
}
