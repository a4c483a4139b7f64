import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';

/** True when `header` (X-Dak-Signature) signs `body` (the raw request body, a string) with `secret`. */
export function verifyDakSignature(body, header, secret, toleranceSeconds = 300) {
  const pairs = header.split(',').map((part) => part.split('='));
  const t = pairs.find(([key]) => key === 't')?.[1] ?? '';
  if (!/^\d+$/.test(t) || Math.abs(Date.now() / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return pairs.some(
    ([key, value]) =>
      key === 'v1' && /^[0-9a-f]{64}$/.test(value) && timingSafeEqual(Buffer.from(value, 'hex'), expected),
  );
}
