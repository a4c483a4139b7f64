import { randomFillSync } from 'node:crypto';

export type IdPrefix = 'msg' | 'acc' | 'pn' | 'key' | 'batch' | 'evt' | 'top';

// Crockford's base32, lowercase: a ULID's alphabet (no i, l, o, u).
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
// Random bytes are drawn a few KB at a time: one system call per 256 ids, not one per character.
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

function randomChars(): string {
  if (offset + RANDOM_CHARS > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  let out = '';
  // 256 is a multiple of 32, so the low five bits of a uniform byte are uniform.
  for (let i = 0; i < RANDOM_CHARS; i++) out += ALPHABET[pool[offset + i]! & 31];
  offset += RANDOM_CHARS;
  return out;
}

function timeChars(ms: number): string {
  let out = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/**
 * Dak's own ids: a short type prefix and a ULID (48-bit millisecond time, 80 random bits), so
 * they sort by creation time to the millisecond. The random part is drawn afresh for every id,
 * never incremented: ids made in the same millisecond are not consecutive, so one message id
 * says nothing about its neighbours' (a guessed id is how one tenant would name another's).
 */
export function newId(prefix: IdPrefix, now = Date.now()): string {
  return `${prefix}_${timeChars(now)}${randomChars()}`;
}

export function isMessageId(value: string): boolean {
  return /^msg_[0-9a-hjkmnp-tv-z]{26}$/.test(value);
}
