import { createHmac, randomBytes } from 'node:crypto';

/** A callback endpoint's signing secret: shown to the account once, stored encrypted. */
export function generateCallbackSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

/**
 * `X-Dak-Signature` of a callback: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one
 * `v1` per secret (two while a rotated-out secret still signs), so a receiver that knows either
 * secret verifies it. The time is inside the signed text, so a receiver can refuse old replays.
 */
export function signCallback(body: string, secrets: readonly string[], unixSeconds: number): string {
  const signed = `${unixSeconds}.${body}`;
  const parts = secrets.map((secret) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`);
  return [`t=${unixSeconds}`, ...parts].join(',');
}
