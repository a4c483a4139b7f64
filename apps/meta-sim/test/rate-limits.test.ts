import { afterEach, describe, expect, it } from 'vitest';
import type { RunningMetaSim } from '../src/index';
import { call, type MetaError, NUMBER, plainSend, send, startSim } from './helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const codeOf = (body: unknown) => (body as MetaError).error?.code;

describe('throughput and pair rate limits', () => {
  let sim: RunningMetaSim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('80 mps by default; a burst past floor(mps × 1.1) in one second gets 130429 (HTTP 400, subcode 2494055)', async () => {
    sim = await startSim();
    expect(sim.control.phoneNumber(NUMBER)).toMatchObject({ mps: 80, capacity: 88 });
    sim.control.updatePhoneNumber(NUMBER, { mps: 10 });
    // Warm the connection pool with refused sends: refusals use no quota.
    await Promise.all(Array.from({ length: 15 }, () => send(sim!, plainSend('123'))));
    const replies = await Promise.all(
      Array.from({ length: 15 }, (_, i) => send(sim!, plainSend(`91900000${String(i).padStart(4, '0')}`))),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(11);
    const refused = replies.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(4);
    for (const r of refused) {
      expect(r.status).toBe(400);
      expect((r.body as unknown as MetaError).error).toMatchObject({
        code: 130429,
        error_subcode: 2494055,
        message: '(#130429) Rate limit hit',
      });
    }
    expect(sim.control.phoneNumber(NUMBER).sent_last_second).toBe(11);
  });

  it('a sender pacing itself at exactly the limit never sees 130429; the window frees up after a second', async () => {
    sim = await startSim();
    sim.control.updatePhoneNumber(NUMBER, { mps: 50 });
    const codes: number[] = [];
    // Evenly spaced: each send starts 20 ms after the previous one started, never catching up in a burst.
    let due = Date.now();
    for (let i = 0; i < 60; i += 1) {
      if (due > Date.now()) await sleep(due - Date.now());
      due = Math.max(Date.now(), due) + 20;
      const reply = await send(sim, plainSend(`9190000${String(i).padStart(5, '0')}`));
      codes.push(reply.status === 200 ? 200 : (codeOf(reply.body) ?? 0));
    }
    expect(codes.filter((c) => c !== 200)).toEqual([]);

    sim.control.updatePhoneNumber(NUMBER, { mps: 5 });
    const burst = await Promise.all(Array.from({ length: 7 }, (_, i) => send(sim!, plainSend(`91910000000${i}`))));
    expect(burst.map((r) => r.status).filter((s) => s === 200)).toHaveLength(5);
    await sleep(1_010);
    expect((await send(sim, plainSend('919200000000'))).status).toBe(200);
  });

  it('mps is settable per number up to 1,000 and refused sends do not use quota', async () => {
    sim = await startSim();
    const view = sim.control.updatePhoneNumber(NUMBER, { mps: 1_000 });
    expect(view).toMatchObject({ mps: 1_000, capacity: 1_100 });
    sim.control.updatePhoneNumber(NUMBER, { mps: 2 });
    const replies = [];
    for (let i = 0; i < 6; i += 1) replies.push(await send(sim, plainSend(`91930000000${i}`)));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 400, 400, 400, 400]);
    expect(sim.control.phoneNumber(NUMBER).sent_last_second).toBe(2);
  });

  it('pair limit: a few sends to one recipient a few hundred ms apart pass by default', async () => {
    sim = await startSim();
    for (let i = 0; i < 5; i += 1) {
      expect((await send(sim, plainSend('919820388810'))).status).toBe(200);
      await sleep(50);
    }
  });

  it('pair limit: past the burst, 131056 for that recipient only, until quota comes back', async () => {
    sim = await startSim({ pairRateLimit: { burst: 3, intervalMs: 600 } });
    const burst = await Promise.all(Array.from({ length: 4 }, () => send(sim!, plainSend('919820388810'))));
    expect(burst.map((r) => (r.status === 200 ? 200 : codeOf(r.body))).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([
      200, 200, 200, 131056,
    ]);
    const refused = await send(sim, plainSend('919820388810'));
    expect(refused.status).toBe(400);
    expect((refused.body as unknown as MetaError).error.message).toBe(
      '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    );
    expect((await send(sim, plainSend('919820388811'))).status).toBe(200);
    await sleep(650);
    expect((await send(sim, plainSend('919820388810'))).status).toBe(200);
    expect(codeOf((await send(sim, plainSend('919820388810'))).body)).toBe(131056);
  });

  it('pair limit is configurable per number and globally, and can be turned off', async () => {
    sim = await startSim();
    sim.control.updatePhoneNumber(NUMBER, { pairRateLimit: { burst: 1, intervalMs: 60_000 } });
    expect((await send(sim, plainSend('919820388810'))).status).toBe(200);
    expect(codeOf((await send(sim, plainSend('919820388810'))).body)).toBe(131056);
    sim.control.updatePhoneNumber(NUMBER, { pairRateLimit: { burst: 0, intervalMs: 0 } });
    expect((await send(sim, plainSend('919820388810'))).status).toBe(200);
    sim.control.updatePhoneNumber(NUMBER, { pairRateLimit: null });
    const limits = await call(sim, 'PATCH', '/_sim/limits', {
      pairRateLimit: { burst: 1, intervalMs: 60_000 },
      defaultMps: 100,
    });
    expect(limits.body).toEqual({
      defaultMps: 100,
      throughputTolerance: 0.1,
      pairRateLimit: { burst: 1, intervalMs: 60_000 },
    });
    expect((await send(sim, plainSend('919820388812'))).status).toBe(200);
    expect(codeOf((await send(sim, plainSend('919820388812'))).body)).toBe(131056);
  });
});
