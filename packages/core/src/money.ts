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
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(input.trim());
  if (!match) return null;
  const [, whole, fraction = ''] = match;
  if (fraction.length > fractionDigits) return null;
  return BigInt(whole!) * 10n ** BigInt(fractionDigits) + BigInt(fraction.padEnd(fractionDigits, '0') || '0');
}

export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

export interface PriceList {
  defaultMinor: number;
  byCategory: Partial<Record<string, number>>;
}

export function priceFor(prices: PriceList, category: string): number {
  return prices.byCategory[category.toUpperCase()] ?? prices.defaultMinor;
}
