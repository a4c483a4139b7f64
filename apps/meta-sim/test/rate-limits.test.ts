import { afterEach, describe, expect, it } from 'vitest';
import type { NumberSends, RunningMetaSim } from '../src/index';
import { SendLog } from '../src/send-log';
import { call, type MetaError, NUMBER, OTHER_NUMBER, OTHER_TOKEN, plainSend, send, startSim } from './helpers';

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
    // A token every 2 s: none comes back between the burst and the sends just after it, even on a
    // loaded machine, and after the 2.1 s wait exactly one has (a second takes past 4 s).
    sim = await startSim({ pairRateLimit: { burst: 3, intervalMs: 2_000 } });
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
    await sleep(2_100);
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

  it('the send log lists when each accepted send was taken, per number, and counts refusals by code', async () => {
    sim = await startSim();
    sim.control.updatePhoneNumber(NUMBER, { mps: 10 });
    const before = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 15 }, (_, i) => send(sim!, plainSend(`91900000${String(i).padStart(4, '0')}`))),
    );
    // Globex has no `plain` template: Meta's own refusal, counted by its code.
    expect(codeOf((await send(sim, plainSend('919820388810'), OTHER_TOKEN, OTHER_NUMBER)).body)).toBe(132001);
    sim.control.addFault({ kind: 'error', code: 130429, phoneNumberId: OTHER_NUMBER, count: 1 });
    expect(codeOf((await send(sim, plainSend('919820388811'), OTHER_TOKEN, OTHER_NUMBER)).body)).toBe(130429);
    const after = Date.now();

    const log = await call<NumberSends>(sim, 'GET', `/_sim/phone-numbers/${NUMBER}/sends`);
    expect(log.status).toBe(200);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(11);
    expect(log.body).toEqual({
      phone_number_id: NUMBER,
      accepted_at_ms: expect.any(Array),
      forgotten: 0,
      refused: { '130429': 4 },
    });
    const stamps = log.body.accepted_at_ms;
    expect(stamps).toHaveLength(11);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(stamps[0]).toBeGreaterThanOrEqual(before);
    expect(stamps[10]).toBeLessThanOrEqual(after);
    // The other number's log is its own; an injected fault is not Meta's own answer, so it is not counted.
    expect(sim.control.sends(OTHER_NUMBER)).toMatchObject({ accepted_at_ms: [], refused: { '132001': 1 } });

    expect((await call(sim, 'DELETE', `/_sim/phone-numbers/${NUMBER}/sends`)).status).toBe(204);
    expect(sim.control.sends(NUMBER)).toEqual({
      phone_number_id: NUMBER,
      accepted_at_ms: [],
      forgotten: 0,
      refused: {},
    });
    expect((await call(sim, 'GET', '/_sim/phone-numbers/000/sends')).status).toBe(404);
  });

  it('the send log stays bounded: past its limit the oldest half is forgotten, and counted', () => {
    const log = new SendLog(4);
    for (let at = 1; at <= 5; at += 1) log.accepted('n', at);
    expect(log.of('n')).toMatchObject({ accepted_at_ms: [3, 4, 5], forgotten: 2 });
  });
});
