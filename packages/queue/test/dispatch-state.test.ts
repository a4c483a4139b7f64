import { describe, expect, it } from 'vitest';
import { useTestRedis } from '@dak/dev-env';
import { DispatchState } from '../src/dispatch-state';

// The dispatcher's shared state on a real Redis: one admitting worker at a time, and per number
// a schedule, a pause that only moves forward and a slow-down that lapses.
describe('dispatch state', () => {
  const redis = useTestRedis('dispatch');
  const state = () => new DispatchState(redis.connect(), redis.prefix);
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('one holder leads; it renews its lease; another takes over only once the lease lapses', async () => {
    const [a, b] = [state(), state()];
    expect(await a.lead('worker-a', 300)).toBe(true);
    expect(await b.lead('worker-b', 300)).toBe(false);
    await sleep(200);
    expect(await a.lead('worker-a', 300)).toBe(true);
    await sleep(200);
    // Renewed 200 ms ago with 300 ms: still a's.
    expect(await b.lead('worker-b', 300)).toBe(false);
    await sleep(350);
    expect(await b.lead('worker-b', 300)).toBe(true);
    expect(await a.lead('worker-a', 300)).toBe(false);
  });

  it("keeps each number's next slot, pause and slow-down apart, and a pause never moves earlier", async () => {
    const dispatch = state();
    const now = Date.now();
    await dispatch.setNextSlots(new Map([['pn_a', now + 1234.5]]), now);
    await dispatch.pause('pn_a', now + 5_000, now);
    await dispatch.pause('pn_a', now + 2_000, now);
    await dispatch.slowDown('pn_b', 0.5, 10_000);
    const paces = await dispatch.paces(['pn_a', 'pn_b', 'pn_c']);
    expect(paces.get('pn_a')).toEqual({
      nextSlot: now + 1234.5,
      pausedUntil: now + 5_000,
      rateFactor: 1,
      behind: false,
    });
    expect(paces.get('pn_b')).toEqual({ nextSlot: 0, pausedUntil: 0, rateFactor: 0.5, behind: false });
    expect(paces.get('pn_c')).toEqual({ nextSlot: 0, pausedUntil: 0, rateFactor: 1, behind: false });
  });

  it('a pause and a slow-down lapse on their own', async () => {
    const dispatch = state();
    await dispatch.pause('pn_lapse', Date.now() + 150);
    await dispatch.slowDown('pn_lapse', 0.5, 150);
    await sleep(300);
    expect((await dispatch.paces(['pn_lapse'])).get('pn_lapse')).toEqual({
      nextSlot: 0,
      pausedUntil: 0,
      rateFactor: 1,
    });
  });
});
