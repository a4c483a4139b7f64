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
