import { createHmac } from 'node:crypto';

const NON_ASCII = /[\u007f-\uffff]/g;

/**
 * JSON the way Meta puts it on the wire: every character above 0x7e written as a \uXXXX escape
 * (UTF-16 code units, so an emoji becomes a surrogate pair). Receivers that re-serialise the
 * parsed body get different bytes and a signature that does not verify: that is the point.
 */
export function metaJson(value: unknown): string {
  return JSON.stringify(value).replace(NON_ASCII, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`, the X-Hub-Signature-256 header value. */
export function signatureHeader(body: string | Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** The legacy X-Hub-Signature (SHA-1) header Meta still sends alongside. */
export function legacySignatureHeader(body: string | Buffer, appSecret: string): string {
  return `sha1=${createHmac('sha1', appSecret).update(body).digest('hex')}`;
}
