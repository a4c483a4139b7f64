import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '@dak/dev-env';
import { PhoneNumberRateLimiter } from '../src/rate-limiter';

// The per-number pacing schedule on a real Redis. Every call passes `now` (as the worker does),
// so each slot is known to the millisecond: the rate is held, 130429 pushes the schedule back,
// and callers on many connections at once never share a slot.
describe('per-number pacing', () => {
  const redis = useTestRedis('pacing');
  const NOW = 1_800_000_000_000;
  const limiter = () => new PhoneNumberRateLimiter(redis.connect(), redis.prefix);
  const number = () => `pn_${randomBytes(6).toString('hex')}`;

  it('reservations made at once get one slot each, 1/mps apart: exactly mps of them in every second', async () => {
    const pacing = limiter();
    const pn = number();
    const waits: number[] = [];
    for (let i = 0; i < 240; i++) waits.push(await pacing.reserve(pn, 80, NOW));
    // 80/s is a slot every 12.5 ms; a wait is rounded up to the millisecond.
    expect(waits).toEqual(Array.from({ length: 240 }, (_, i) => Math.ceil(i * 12.5)));
    const perSecond = [0, 1, 2].map((s) => waits.filter((w) => w >= s * 1000 && w < (s + 1) * 1000).length);
    expect(perSecond).toEqual([80, 80, 80]);
  });

  it('callers faster than the rate queue behind one another; slower ones never wait', async () => {
    const pacing = limiter();
    const [fast, slow] = [number(), number()];
    const fastWaits: number[] = [];
    const slowWaits: number[] = [];
    for (let k = 0; k < 100; k++) {
      fastWaits.push(await pacing.reserve(fast, 50, NOW + k * 5)); // 200/s asked, 50/s given
      slowWaits.push(await pacing.reserve(slow, 50, NOW + k * 25)); // 40/s asked
    }
    // Slot k is at NOW + 20k; the caller asked at NOW + 5k.
    expect(fastWaits).toEqual(Array.from({ length: 100 }, (_, k) => 15 * k));
    expect(slowWaits).toEqual(Array.from({ length: 100 }, () => 0));
  });

  it("a number's schedule is its own: another number's backlog does not delay it", async () => {
    const pacing = limiter();
    const [busy, idle] = [number(), number()];
    for (let i = 0; i < 50; i++) await pacing.reserve(busy, 10, NOW);
    expect(await pacing.reserve(busy, 10, NOW)).toBe(5_000);
    expect(await pacing.reserve(idle, 10, NOW)).toBe(0);
  });

  it('after 130429 nothing goes out before the push-back; an earlier push-back moves nothing', async () => {
    const pacing = limiter();
    const [pn, other] = [number(), number()];
    expect(await pacing.reserve(pn, 100, NOW)).toBe(0);
    await pacing.pushBack(pn, NOW + 1_000);
    expect(await pacing.reserve(pn, 100, NOW + 10)).toBe(990);
    expect(await pacing.reserve(pn, 100, NOW + 10)).toBe(1_000);
    // The schedule already runs to NOW + 1,020: a push-back to NOW + 500 leaves it there.
    await pacing.pushBack(pn, NOW + 500);
    expect(await pacing.reserve(pn, 100, NOW + 10)).toBe(1_010);
    // A push-back on a number with nothing scheduled starts its schedule there.
    await pacing.pushBack(other, NOW + 2_000);
    expect(await pacing.reserve(other, 100, NOW)).toBe(2_000);
    // Once the push-back has passed, the number sends at once again.
    expect(await pacing.reserve(other, 100, NOW + 5_000)).toBe(0);
  });

  it('many workers reserving at once on separate connections never book one slot twice', async () => {
    const workers = Array.from({ length: 8 }, () => limiter());
    const pn = number();
    const waits = (
      await Promise.all(workers.map((w) => Promise.all(Array.from({ length: 50 }, () => w.reserve(pn, 100, NOW)))))
    ).flat();
    // 400 reservations at 100/s: the slots 0, 10, ..., 3,990 ms, each taken exactly once.
    expect(waits.sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i * 10));
  });
});
