// How a field of an external event becomes the text of a placeholder. Each format takes what
// stores and payment systems actually send (Shopify's "199.00", Razorpay's 19900 paise, ISO
// timestamps with the shop's offset) and either gives text or says why it cannot.

export const VALUE_FORMATS = ['currency_minor', 'currency', 'date', 'first_word', 'upper', 'lower'] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];

export type Formatted = { ok: true; text: string } | { ok: false; why: string };

/** What a placeholder shows for a format when the automation is checked against its template. */
export const FORMAT_SAMPLES: Record<ValueFormat, string> = {
  currency_minor: '1,234.50',
  currency: '199.00',
  date: '1 Dec 2026',
  first_word: 'Asha',
  upper: 'SAMPLE',
  lower: 'sample',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function grouped(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Integer minor units (19900 or "19900") → "199.00"; exact for any length (no floats). */
function currencyMinor(value: unknown): Formatted {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^-?\d{1,30}$/.test(text.trim()))
    return { ok: false, why: 'is not a whole number of minor units (e.g. 19900 for 199.00)' };
  const digits = text.trim().replace(/^-/, '').padStart(3, '0');
  const sign = text.trim().startsWith('-') ? '-' : '';
  const whole = digits.slice(0, -2).replace(/^0+(?=\d)/, '');
  return { ok: true, text: `${sign}${grouped(whole)}.${digits.slice(-2)}` };
}

/** A decimal amount as stores send it ("199.00", "1999.5", 1999.5) → "1,999.50"; no currency symbol. */
function currency(value: unknown): Formatted {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  const match = typeof text === 'string' ? /^(-?)(\d{1,30})(?:\.(\d{1,10}))?$/.exec(text.trim()) : null;
  if (!match) return { ok: false, why: 'is not a decimal amount (e.g. "199.00")' };
  const [, sign, whole, fraction = ''] = match;
  return { ok: true, text: `${sign}${grouped(whole!.replace(/^0+(?=\d)/, ''))}.${fraction.padEnd(2, '0')}` };
}

/**
 * An ISO date or timestamp → "1 Dec 2026". The date is the one written in the timestamp (the
 * shop's own offset, as Shopify sends it), not converted to the server's zone; a number is a Unix
 * time (seconds, or milliseconds when it is that large), shown in UTC.
 */
function date(value: unknown): Formatted {
  let year: number, month: number, day: number;
  if (typeof value === 'number' && Number.isFinite(value)) {
    const at = new Date(value < 1e11 ? value * 1000 : value);
    if (Number.isNaN(at.getTime())) return { ok: false, why: 'is not a Unix time' };
    [year, month, day] = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate()];
  } else {
    const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(value.trim()) : null;
    if (!match) return { ok: false, why: 'is not an ISO date or timestamp (e.g. "2026-12-01T10:15:00+05:30")' };
    [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const check = new Date(Date.UTC(year, month - 1, day));
    if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
      return { ok: false, why: 'is not a calendar date' };
  }
  return { ok: true, text: `${day} ${MONTHS[month - 1]} ${year}` };
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** Applies `format` to a field's value (already known to be present). */
export function formatValue(value: unknown, format: ValueFormat): Formatted {
  switch (format) {
    case 'currency_minor':
      return currencyMinor(value);
    case 'currency':
      return currency(value);
    case 'date':
      return date(value);
    default: {
      const plain = text(value);
      if (plain === null) return { ok: false, why: 'is not text' };
      if (format === 'upper') return { ok: true, text: plain.toUpperCase() };
      if (format === 'lower') return { ok: true, text: plain.toLowerCase() };
      const first = plain.trim().split(/\s+/)[0] ?? '';
      return first === '' ? { ok: false, why: 'is empty' } : { ok: true, text: first };
    }
  }
}
