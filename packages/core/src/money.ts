/** Amounts are integer minor units (paise); the API speaks decimal strings. Never floats. */
export function formatMinor(minor: number | bigint, fractionDigits = 2): string {
  const value = BigInt(minor);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(fractionDigits);
  const whole = abs / scale;
  const fraction = (abs % scale).toString().padStart(fractionDigits, '0');
  return `${negative ? '-' : ''}${whole}${fractionDigits > 0 ? `.${fraction}` : ''}`;
}

/** Parses "12", "12.5" or "12.50" into minor units; null for anything else (no floats involved). */
export function parseDecimalToMinor(input: string, fractionDigits = 2): bigint | null {
  const match = /^(\d{1,30})(?:\.(\d+))?$/.exec(input.trim());
  if (!match) return null;
  const [, whole, fraction = ''] = match;
  if (fraction.length > fractionDigits) return null;
  return BigInt(whole!) * 10n ** BigInt(fractionDigits) + BigInt(fraction.padEnd(fractionDigits, '0') || '0');
}

/**
 * Amounts are read from Postgres int8 as JS numbers, exact up to 2^53 paise. These caps keep
 * every wallet total far below that (2^53 paise is 90,000 maximal top-ups), so no paisa is
 * ever rounded away.
 */
export const MAX_TOPUP_MINOR = 100_000_000_000; // 1,000,000,000.00 in one top-up
export const MAX_PRICE_MINOR = 1_000_000; // 10,000.00 per message

export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

export interface PriceList {
  defaultMinor: number;
  byCategory: Partial<Record<string, number>>;
}

export function priceFor(prices: PriceList, category: string): number {
  return prices.byCategory[category.toUpperCase()] ?? prices.defaultMinor;
}
