import { afterEach, describe, expect, it } from 'vitest';
import type { RunningMetaSim } from '../src/index';
import { REACH_WINDOW_MS, ReachWindow } from '../src/messaging-limit';
import { call, type MetaError, NUMBER, plainSend, send, startSim, WABA } from './helpers';

const user = (i: number) => `9197${String(i).padStart(8, '0')}`;

describe("a business portfolio's messaging limit (unique users per rolling 24 h)", () => {
  let sim: RunningMetaSim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('is unlimited by default, and past TIER_250 a new user is refused while users already reached are not', async () => {
    sim = await startSim();
    sim.control.updatePhoneNumber(NUMBER, { mps: 1_000 });
    expect(sim.control.businesses().find((b) => b.waba_id === WABA)).toMatchObject({
      messaging_limit_tier: 'TIER_UNLIMITED',
      reached_last_24h: 0,
    });
    // The control API over HTTP sets the tier, as other processes do.
    const patched = await call(
      sim,
      'PATCH',
      `/_sim/businesses/${WABA}`,
      { messaging_limit_tier: 'TIER_250' },
      undefined,
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ waba_id: WABA, messaging_limit_tier: 'TIER_250' });

    const replies = await Promise.all(Array.from({ length: 250 }, (_, i) => send(sim!, plainSend(user(i)))));
    expect(replies.map((r) => r.status)).toEqual(Array(250).fill(200));

    const refused = await send(sim, plainSend(user(250)));
    expect(refused.status).toBe(400);
    expect((refused.body as unknown as MetaError).error).toMatchObject({
      code: 131064,
      message: '(#131064) Messaging limit reached',
    });
    expect((refused.body as unknown as MetaError).error.error_data.details).toMatch(
      /messaging limit of 250 unique users/,
    );
    // Someone reached today is not new: messaging them again is free.
    expect((await send(sim, plainSend(user(7)))).status).toBe(200);
    // Inside a customer-service window the message is not business-initiated and does not count.
    sim.control.openServiceWindow({ phone_number_id: NUMBER, wa_id: user(300) });
    expect((await send(sim, plainSend(user(300)))).status).toBe(200);
    expect(sim.control.businesses().find((b) => b.waba_id === WABA)?.reached_last_24h).toBe(250);
    expect(sim.control.sends(NUMBER).refused).toEqual({ 131064: 1 });

    // Meta raises the tier: the next user goes.
    sim.control.updateBusiness(WABA, { messaging_limit_tier: 'TIER_2K' });
    expect((await send(sim, plainSend(user(251)))).status).toBe(200);
  });

  it('takes the tier from the business registration, refuses an unknown tier and an unknown business', async () => {
    sim = await startSim();
    sim.control.addBusiness({
      waba_id: '100000000000077',
      access_token: 'token-tiny',
      messaging_limit_tier: 'TIER_10K',
    });
    expect(sim.control.businesses().find((b) => b.waba_id === '100000000000077')?.messaging_limit_tier).toBe(
      'TIER_10K',
    );
    const wrong = await call(sim, 'PATCH', `/_sim/businesses/${WABA}`, { messaging_limit_tier: 'TIER_3' }, undefined);
    expect(wrong.status).toBe(400);
    const unknown = await call(sim, 'PATCH', '/_sim/businesses/999', { messaging_limit_tier: 'TIER_250' }, undefined);
    expect(unknown.status).toBe(404);
  });
});

describe('ReachWindow', () => {
  it('frees a user 24 hours after they were last reached, not after the first time', () => {
    const reach = new ReachWindow('TIER_250');
    const start = 1_764_198_000_000;
    for (let i = 0; i < 250; i += 1) reach.record(user(i), start);
    expect(reach.allows(user(250), start + 1)).toBe(false);
    // user(0) is reached again an hour later: it stays counted until 25 h after the start.
    reach.record(user(0), start + 3_600_000);
    expect(reach.allows(user(0), start + 2)).toBe(true);
    const dayLater = start + REACH_WINDOW_MS;
    expect(reach.reached(dayLater)).toBe(1);
    expect(reach.allows(user(250), dayLater)).toBe(true);
    expect(reach.reached(start + REACH_WINDOW_MS + 3_600_000)).toBe(0);
  });
});
