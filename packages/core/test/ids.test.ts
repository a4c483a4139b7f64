import { describe, expect, it } from 'vitest';
import { isMessageId, newId } from '../src/ids';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const timeOf = (id: string) => [...id.slice(4, 14)].reduce((ms, char) => ms * 32 + ALPHABET.indexOf(char), 0);
const sharedPrefix = (a: string, b: string) => {
  let n = 0;
  while (n < a.length && a[n] === b[n]) n++;
  return n;
};

describe('message ids', () => {
  it('10,000 made in a tight loop are unique, time-sortable and not consecutive', () => {
    const started = Date.now();
    const ids = Array.from({ length: 10_000 }, () => newId('msg'));
    const ended = Date.now();

    expect(ids.every(isMessageId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // Sorted by time to the millisecond, and the time is when they were made.
    const times = ids.map(timeOf);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(started);
    expect(times.at(-1)).toBeLessThanOrEqual(ended);
    // Many share a millisecond (the loop is fast), yet their random parts have nothing in
    // common: a monotonic ULID would share 15 of 16 characters with its neighbour. Eight shared
    // characters by chance among 10,000 pairs has odds of about 1 in 10^8.
    const random = ids.map((id) => id.slice(14));
    const longest = Math.max(...random.slice(1).map((r, i) => sharedPrefix(r, random[i]!)));
    expect(longest).toBeLessThan(8);
    expect(new Set(times).size).toBeLessThan(ids.length);
  });

  it('the random characters are spread over the whole alphabet', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) for (const char of newId('msg').slice(14)) counts.set(char, (counts.get(char) ?? 0) + 1);
    // 32,000 characters, 1,000 expected each: a uniform draw stays well within 800..1,200.
    expect([...counts.keys()].sort().join('')).toBe(ALPHABET);
    for (const count of counts.values()) expect(count).toBeGreaterThan(800);
    for (const count of counts.values()) expect(count).toBeLessThan(1_200);
  });
});
