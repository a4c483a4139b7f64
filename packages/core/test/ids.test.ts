import { describe, expect, it } from 'vitest';
import { isMessageId, newId } from '../src/ids';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const timeOf = (id: string) => [...id.slice(4, 14)].reduce((ms, char) => ms * 32 + ALPHABET.indexOf(char), 0);
const randomOf = (id: string) =>
  [...id.slice(14)].reduce((value, char) => value * 32n + BigInt(ALPHABET.indexOf(char)), 0n);

describe('message ids', () => {
  it('10,000 made in a tight loop are unique, in the order they were made, and not consecutive', () => {
    const started = Date.now();
    const ids = Array.from({ length: 10_000 }, () => newId('msg'));
    const ended = Date.now();

    expect(ids.every(isMessageId)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // Sorted as made (within a millisecond too), and the time is when they were made.
    expect([...ids].sort()).toEqual(ids);
    const times = ids.map(timeOf);
    expect(times[0]).toBeGreaterThanOrEqual(started);
    expect(times.at(-1)).toBeLessThanOrEqual(ended);
    expect(new Set(times).size).toBeLessThan(ids.length);
    // Within a millisecond each id is the last plus a random step of up to 2^40: a monotonic
    // ULID would step by exactly 1, so its neighbour is one guess away.
    const steps = ids
      .slice(1)
      .flatMap((id, i) => (timeOf(id) === timeOf(ids[i]!) ? [randomOf(id) - randomOf(ids[i]!)] : []));
    expect(steps.length).toBeGreaterThan(1_000);
    expect(steps.every((step) => step > 1n && step <= 2n ** 40n + 1n)).toBe(true);
    expect(new Set(steps).size).toBe(steps.length);
  });

  it('the random characters are spread over the whole alphabet', () => {
    const counts = new Map<string, number>();
    // Each in a millisecond of its own, so each random part is drawn afresh.
    const base = Date.now() + 1_000;
    for (let i = 0; i < 2_000; i++)
      for (const char of newId('msg', base + i).slice(15)) counts.set(char, (counts.get(char) ?? 0) + 1);
    // 30,000 characters (the first random one holds only 3 bits), about 940 expected each: a
    // uniform draw stays well within 800..1,200.
    expect([...counts.keys()].sort().join('')).toBe(ALPHABET);
    for (const count of counts.values()) expect(count).toBeGreaterThan(800);
    for (const count of counts.values()) expect(count).toBeLessThan(1_200);
  });
});
