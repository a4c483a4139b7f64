/**
 * Recipient numbers: digits with country code. `+`, spaces, dashes, dots and brackets are
 * tolerated and stripped; what remains must be a plausible E.164 number (8–15 digits, no
 * leading zero). Returns null when it is not.
 */
export function normalizeRecipient(input: string): string | null {
  const stripped = input
    .trim()
    .replace(/^\+/, '')
    .replace(/[\s\-().]/g, '');
  if (!/^[1-9]\d{7,14}$/.test(stripped)) return null;
  return stripped;
}

/**
 * Meta's business-scoped user id (BSUID, 2026): a two-letter ISO country code, a period and up
 * to 128 letters and digits (`US.13491208655302741918`); a parent BSUID shared by linked
 * portfolios has `ENT.` after the country (`US.ENT.11815799212886844830`). It never looks like
 * a phone number, which is what lets one column hold either.
 */
const USER_ID = /^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$/;

export const isUserId = (value: string): boolean => USER_ID.test(value);

/** A user id as given (trimmed), or null when it is not one. Meta asks for it back exactly as sent: no case folding. */
export function normalizeUserId(input: string): string | null {
  const trimmed = input.trim();
  return isUserId(trimmed) ? trimmed : null;
}

/**
 * Who a message goes to or came from, as Dak stores it (`messages.recipient`,
 * `contacts.number`, `conversations.contact_number`): the phone number's digits when the number
 * is known, otherwise Meta's user id (a user who adopted a username and withholds the number).
 */
export type ContactAddress = string;

/** An address as the API shows it: one of the two fields set. */
export function presentAddress(address: ContactAddress): { phone_number: string | null; user_id: string | null } {
  return isUserId(address) ? { phone_number: null, user_id: address } : { phone_number: address, user_id: null };
}
