import { z } from 'zod';
import { DakError, normalizeRecipient, normalizeUserId } from '@dak/core';
import { knownAddresses, type Database } from '@dak/db';

// Whom a send goes to: `phone_number`, or (2026) `user_id`, Meta's business-scoped user id of a
// customer who adopted a username and whose number the business may never see. Dak stores one
// address per message (messages.recipient): the number's digits, or the user id.

export const phoneNumberField = z
  .string({ error: 'must be a string: the recipient, digits with country code' })
  .min(1)
  .max(64, 'at most 64 characters: digits with country code');
export const userIdField = z
  .string({ error: "must be a string: Meta's business-scoped user id of the recipient, e.g. US.13491208655302741918" })
  .min(1)
  .max(140, "at most 140 characters: Meta's business-scoped user id");

/** The recipient fields every send takes; checkRecipient requires exactly one. */
export const recipientFields = { phone_number: phoneNumberField.optional(), user_id: userIdField.optional() };

export function checkRecipient(request: { phone_number?: unknown; user_id?: unknown }, ctx: z.RefinementCtx): void {
  const ways =
    "phone_number (digits with country code) or user_id (Meta's business-scoped user id, for a customer known only by it)";
  if (request.phone_number !== undefined && request.user_id !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['user_id'], message: `give either ${ways}, not both` });
  } else if (request.phone_number === undefined && request.user_id === undefined) {
    ctx.addIssue({ code: 'custom', path: ['phone_number'], message: `required: ${ways}` });
  }
}

/** The address a request names (checkRecipient made sure it names one), or a 400 saying how to write it. */
export function addressOf(request: { phone_number?: string | undefined; user_id?: string | undefined }): string {
  if (request.user_id !== undefined) {
    const userId = normalizeUserId(request.user_id);
    if (!userId) {
      throw new DakError(
        'invalid_user_id',
        `user_id "${request.user_id}" is not a business-scoped user id. Give it exactly as Meta's webhooks or Dak's contacts show it: a two-letter country code, a period and letters and digits, e.g. US.13491208655302741918.`,
        { field: 'user_id' },
      );
    }
    return userId;
  }
  const phoneNumber = request.phone_number ?? '';
  const recipient = normalizeRecipient(phoneNumber);
  if (!recipient) {
    throw new DakError(
      'invalid_phone_number',
      `phone_number "${phoneNumber}" is not a plausible phone number. Send digits with the country code, e.g. 919820388810 (+, spaces and dashes are allowed).`,
      { field: 'phone_number' },
    );
  }
  return recipient;
}

/**
 * Rows addressed by user id go to the number the account knows that user by (knownAddresses):
 * one lookup, only when some row names a user id.
 */
export async function addressByKnownNumber<R extends { recipient: string }>(
  db: Database,
  accountId: string,
  rows: R[],
): Promise<R[]> {
  const filed = await knownAddresses(
    db,
    rows.map((r) => ({ accountId, address: r.recipient })),
  );
  for (const row of rows) row.recipient = filed(accountId, row.recipient);
  return rows;
}

/** One request's address, resolved as addressByKnownNumber does. */
export async function resolveAddress(
  db: Database,
  accountId: string,
  request: { phone_number?: string | undefined; user_id?: string | undefined },
): Promise<string> {
  const [row] = await addressByKnownNumber(db, accountId, [{ recipient: addressOf(request) }]);
  return row!.recipient;
}
