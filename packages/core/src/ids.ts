import { randomFillSync } from 'node:crypto';

export type IdPrefix = 'msg' | 'acc' | 'pn' | 'key' | 'bat' | 'cbk' | 'evt' | 'aut' | 'aev' | 'ct' | 'im';

// Crockford's base32, lowercase: a ULID's alphabet (no i, l, o, u).
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
// Random bytes are drawn a few KB at a time: one system call per few hundred ids, not one per character.
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

function randomBits(bytes: number): bigint {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  let value = 0n;
  for (let i = 0; i < bytes; i++) value = (value << 8n) | BigInt(pool[offset + i]!);
  offset += bytes;
  return value;
}

function encode(value: bigint | number, chars: number): string {
  let out = '';
  let rest = BigInt(value);
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[Number(rest & 31n)] + out;
    rest >>= 5n;
  }
  return out;
}

// A fresh millisecond starts from 78 random bits, so the 80-bit part has room for 2^38 steps.
const FRESH_MASK = (1n << 78n) - 1n;
let lastMs = -1;
let lastRandom = 0n;

/**
 * Dak's own ids: a short type prefix and a ULID (48-bit millisecond time, 80 random bits), so
 * they sort by creation time. Within one millisecond each id is the previous one plus a random
 * step of up to 2^40: ids made by one process keep their order (a batch's messages list and go
 * out in item order), yet are not consecutive, so one message id says nothing usable about its
 * neighbours' (a guessed id is how one tenant would name another's).
 */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    lastRandom = randomBits(10) & FRESH_MASK;
  } else {
    // The same millisecond (or a clock that stepped back): keep the last time, step forward.
    lastRandom += 1n + randomBits(5);
  }
  return `${prefix}_${encode(lastMs, TIME_CHARS)}${encode(lastRandom, RANDOM_CHARS)}`;
}

export function isMessageId(value: string): boolean {
  return /^msg_[0-9a-hjkmnp-tv-z]{26}$/.test(value);
}
