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
    // A lease long enough that a timer late by most of a second (a loaded CI machine) cannot
    // make it lapse between the renewal and the check that it still holds.
    const [a, b] = [state(), state()];
    expect(await a.lead('worker-a', 2_000)).toBe(true);
    expect(await b.lead('worker-b', 2_000)).toBe(false);
    await sleep(1_200);
    expect(await a.lead('worker-a', 2_000)).toBe(true);
    await sleep(1_200);
    // Past the first lease, renewed 1.2 s ago with 2 s: still a's.
    expect(await b.lead('worker-b', 2_000)).toBe(false);
    await sleep(1_200);
    expect(await b.lead('worker-b', 2_000)).toBe(true);
    expect(await a.lead('worker-a', 2_000)).toBe(false);
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
      tail: 0,
    });
    expect(paces.get('pn_b')).toEqual({ nextSlot: 0, pausedUntil: 0, rateFactor: 0.5, tail: 0 });
    expect(paces.get('pn_c')).toEqual({ nextSlot: 0, pausedUntil: 0, rateFactor: 1, tail: 0 });
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
      tail: 0,
    });
  });

  it('jobs of one number take turns: a late one moves later, and the next waits for its end', async () => {
    const dispatch = state();
    const t = Date.now() + 10_000;
    // On time: no move; the timeline ends an interval after its last slot.
    expect(await dispatch.turn('pn_turns', t, t + 100, t - 20)).toBe(0);
    // The next job of 100 ms, started 30 ms late: moves 30 ms.
    expect(await dispatch.turn('pn_turns', t + 100, t + 200, t + 130)).toBe(30);
    // One due meanwhile, started on time, waits for the moved one's end (t + 230).
    expect(await dispatch.turn('pn_turns', t + 200, t + 300, t + 200)).toBe(30);
    expect((await dispatch.paces(['pn_turns'])).get('pn_turns')?.tail).toBe(t + 330);
    // Another number's timeline is its own.
    expect(await dispatch.turn('pn_other', t + 200, t + 300, t + 200)).toBe(0);
  });
});
