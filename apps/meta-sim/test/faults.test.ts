import { afterEach, describe, expect, it } from 'vitest';
import type { RunningMetaSim } from '../src/index';
import { call, type MetaError, NUMBER, OTHER_NUMBER, OTHER_TOKEN, plainSend, send, startSim, TOKEN } from './helpers';

const codeOf = (body: unknown) => (body as MetaError).error?.code;

describe('faults on demand', () => {
  let sim: RunningMetaSim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it("answers Meta's transient codes with their HTTP statuses, for `count` requests", async () => {
    sim = await startSim();
    for (const [code, status] of [
      [131000, 500],
      [131016, 503],
      [133004, 503],
      [2, 503],
      [1, 500],
      [4, 400],
      [80007, 400],
    ] as const) {
      sim.control.addFault({ kind: 'error', code, count: 1 });
      const reply = await send(sim, plainSend('919820388810'));
      expect([reply.status, codeOf(reply.body)]).toEqual([status, code]);
    }
    const fault = await call<{ id: string }>(sim, 'POST', '/_sim/faults', {
      kind: 'error',
      code: 131000,
      count: 2,
      httpStatus: 502,
    });
    expect(fault.status).toBe(201);
    expect((await send(sim, plainSend('919820388810'))).status).toBe(502);
    expect((await send(sim, plainSend('919820388810'))).status).toBe(502);
    expect((await send(sim, plainSend('919820388810'))).status).toBe(200);
    expect((await call<{ data: unknown[] }>(sim, 'GET', '/_sim/faults')).body.data).toEqual([]);
  });

  it('is scoped to one phone number and to a route', async () => {
    sim = await startSim();
    sim.control.addFault({ kind: 'error', code: 131000, phoneNumberId: OTHER_NUMBER });
    sim.control.addFault({ kind: 'error', code: 133004, route: 'templates' });
    expect((await send(sim, plainSend('919820388810'))).status).toBe(200);
    expect(codeOf((await send(sim, plainSend('919820388810'), OTHER_TOKEN, OTHER_NUMBER)).body)).toBe(131000);
    expect(codeOf((await call(sim, 'GET', '/v23.0/100000000000001/message_templates')).body)).toBe(133004);
    const [first] = sim.control.faults();
    expect(first?.applied).toBe(1);
    expect((await call(sim, 'DELETE', `/_sim/faults/${first?.id}`)).status).toBe(204);
    expect((await send(sim, plainSend('919820388810'), OTHER_TOKEN, OTHER_NUMBER)).status).toBe(404);
  });

  it('131048 (spam rate limit) as a synchronous send error for one number, until the fault is removed', async () => {
    sim = await startSim();
    const other = await call<{ id: string }>(sim, 'POST', '/_sim/faults', {
      kind: 'error',
      code: 131048,
      phoneNumberId: OTHER_NUMBER,
    });
    expect((await send(sim, plainSend('919820388810'))).status).toBe(200);
    const fault = await call<{ id: string }>(sim, 'POST', '/_sim/faults', {
      kind: 'error',
      code: 131048,
      phoneNumberId: NUMBER,
      details:
        'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
    });
    for (const to of ['919820388811', '919820388812']) {
      const refused = await send(sim, plainSend(to));
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({
        error: {
          message: '(#131048) Spam rate limit hit',
          type: 'OAuthException',
          code: 131048,
          error_data: {
            messaging_product: 'whatsapp',
            details:
              'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
          },
          fbtrace_id: expect.any(String),
        },
      });
    }
    await sim.control.drain();
    expect(sim.control.messages().map((m) => m.wa_id)).toEqual(['919820388810']);
    // Only the accepted send has statuses: a refused send never reaches the webhooks.
    expect(new Set(sim.control.webhooks().flatMap((w) => w.statuses.map((s) => s.id)))).toEqual(
      new Set([sim.control.messages()[0]!.id]),
    );
    expect((await call(sim, 'DELETE', `/_sim/faults/${fault.body.id}`)).status).toBe(204);
    expect((await send(sim, plainSend('919820388813'))).status).toBe(200);
    expect(sim.control.faults().map((f) => f.id)).toEqual([other.body.id]);
  });

  it('applies a probability from the seed: the same seed gives the same sequence', async () => {
    const run = async () => {
      const s = await startSim({ randomSeed: 7, faults: [{ kind: 'error', code: 131000, probability: 0.5 }] });
      const statuses = [];
      for (let i = 0; i < 20; i += 1)
        statuses.push((await send(s, plainSend(`9190000000${String(i).padStart(2, '0')}`))).status);
      await s.close();
      return statuses;
    };
    const first = await run();
    expect(first).toEqual(await run());
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(3);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(3);
  });

  it('slow answers: the request is answered normally after the delay', async () => {
    sim = await startSim();
    sim.control.addFault({ kind: 'delay', delayMs: 150, count: 1 });
    const started = Date.now();
    const reply = await send(sim, plainSend('919820388810'));
    expect(reply.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('timeouts: no answer at all (before = not sent; after = accepted, webhooks follow)', async () => {
    sim = await startSim();
    sim.control.addFault({ kind: 'timeout', count: 1 });
    await expect(
      fetch(`${sim.url}/v23.0/${NUMBER}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(plainSend('919820388810')),
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toThrow(/abort|timeout/i);
    expect(sim.control.messages()).toHaveLength(0);
    sim.control.addFault({ kind: 'timeout', when: 'after', count: 1 });
    await expect(
      fetch(`${sim.url}/v23.0/${NUMBER}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(plainSend('919820388811')),
        signal: AbortSignal.timeout(150),
      }),
    ).rejects.toThrow(/abort|timeout/i);
    expect(sim.control.messages().map((m) => m.wa_id)).toEqual(['919820388811']);
    const [, recorded] = sim.control.requests({ route: 'messages' });
    expect(recorded?.response).toMatchObject({
      status: null,
      fault: 'timeout',
      body: { messages: [{ message_status: 'accepted' }] },
    });
  });

  it('dropped connections: before (nothing sent) and after (a lost response: the message went out)', async () => {
    sim = await startSim();
    sim.control.addFault({ kind: 'drop', count: 1 });
    await expect(send(sim, plainSend('919820388810'))).rejects.toThrow();
    expect(sim.control.messages()).toHaveLength(0);
    sim.control.addFault({ kind: 'drop', when: 'after', count: 1 });
    await expect(send(sim, plainSend('919820388810'))).rejects.toThrow();
    expect(sim.control.messages()).toHaveLength(1);
    await sim.control.drain();
    expect(sim.control.webhooks().flatMap((w) => w.statuses.map((s) => s.status))).toEqual([
      'sent',
      'delivered',
      'read',
    ]);
    expect((await send(sim, plainSend('919820388810'))).status).toBe(200);
  });

  it('131057 while a throughput upgrade runs, then the number sends at the new mps', async () => {
    sim = await startSim();
    const upgrade = await call(sim, 'POST', `/_sim/phone-numbers/${NUMBER}/throughput-upgrade`, {
      mps: 1_000,
      durationMs: 120,
    });
    expect(upgrade.body).toMatchObject({ mps: 80, maintenance_until: expect.any(String) });
    const during = await send(sim, plainSend('919820388810'));
    expect([during.status, codeOf(during.body)]).toEqual([500, 131057]);
    expect((during.body as unknown as MetaError).error.message).toBe(
      '(#131057) Account has been put in maintenance mode',
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect((await send(sim, plainSend('919820388810'))).status).toBe(200);
    expect(sim.control.phoneNumber(NUMBER)).toMatchObject({ mps: 1_000, capacity: 1_100, maintenance_until: null });
  });

  it('133010 for an unregistered number', async () => {
    sim = await startSim();
    await call(sim, 'PATCH', `/_sim/phone-numbers/${NUMBER}`, { registered: false });
    expect(codeOf((await send(sim, plainSend('919820388810'))).body)).toBe(133010);
  });
});
