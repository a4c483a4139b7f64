import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

export type IdPrefix = 'msg' | 'acc' | 'pn' | 'key' | 'bat' | 'evt' | 'top';

/** Dak's own ids: a short type prefix and a ULID, so they sort by creation time. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${nextUlid().toLowerCase()}`;
}

export function isMessageId(value: string): boolean {
  return /^msg_[0-9a-hjkmnp-tv-z]{26}$/.test(value);
}
