import { afterEach, describe, expect, it } from 'vitest';
import type { RunningMetaSim } from '../src/index';
import { call, plainSend, Receiver, send, startSim } from './helpers';

describe('control API under /_sim', () => {
  let sim: RunningMetaSim | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await sim?.close();
    await receiver?.close();
    sim = undefined;
    receiver = undefined;
  });

  it('registers a business over HTTP, then its token sends from its number', async () => {
    sim = await startSim({ businesses: [] });
    const created = await call(sim, 'POST', '/_sim/businesses', {
      waba_id: '555',
      name: 'Initech',
      access_token: 'tok-initech',
      phone_numbers: [{ phone_number_id: '777', display_phone_number: '15550007777', mps: 200 }],
      templates: [{ name: 'hello', language: 'en', components: [{ type: 'BODY', text: 'Hello!' }] }],
    });
    expect(created).toMatchObject({ status: 201, body: { waba_id: '555' } });
    const list = await call<{
      data: { waba_id: string; phone_numbers: { mps: number }[]; templates: { status: string }[] }[];
    }>(sim, 'GET', '/_sim/businesses');
    expect(list.body.data[0]).toMatchObject({
      waba_id: '555',
      phone_numbers: [{ mps: 200 }],
      templates: [{ status: 'APPROVED' }],
    });
    const reply = await send(
      sim,
      {
        messaging_product: 'whatsapp',
        to: '919820388810',
        type: 'template',
        template: { name: 'hello', language: { code: 'en' } },
      },
      'tok-initech',
      '777',
    );
    expect(reply.status).toBe(200);
    expect((await call(sim, 'POST', '/_sim/businesses', { waba_id: '1' })).status).toBe(400);
    expect((await call(sim, 'GET', '/_sim/nothing-here')).status).toBe(404);
    expect((await call(sim, 'PATCH', '/_sim/phone-numbers/000', { mps: 5 })).status).toBe(404);
  });

  it('reads back each request with its exact body and headers, and the delivered webhooks', async () => {
    receiver = await new Receiver().start();
    sim = await startSim({ webhookUrl: receiver.url });
    const raw = JSON.stringify(plainSend('919820388810', { biz_opaque_callback_data: 'msg_é' }), null, 2);
    await fetch(`${sim.url}/v24.0/200000000000001/messages`, {
      method: 'POST',
      headers: { authorization: 'Bearer token-acme', 'content-type': 'application/json', 'x-request-id': 'r-1' },
      body: raw,
    });
    const requests = await call<{
      data: {
        body: string;
        headers: Record<string, string>;
        json: unknown;
        response: { status: number; body: { messages: { id: string }[] } };
        phone_number_id: string;
      }[];
    }>(sim, 'GET', '/_sim/requests?route=messages&phone_number_id=200000000000001');
    expect(requests.body.data).toHaveLength(1);
    const [recorded] = requests.body.data;
    expect(recorded?.body).toBe(raw);
    expect(recorded?.headers).toMatchObject({ authorization: 'Bearer token-acme', 'x-request-id': 'r-1' });
    expect(recorded?.json).toEqual(JSON.parse(raw));
    expect(recorded?.response.status).toBe(200);
    const wamid = recorded?.response.body.messages[0]?.id;
    await sim.control.drain();
    const webhooks = await call<{
      data: {
        state: string;
        statuses: { id: string; status: string }[];
        payload: unknown;
        signature: string;
        body: string;
      }[];
    }>(sim, 'GET', `/_sim/webhooks?wamid=${encodeURIComponent(wamid ?? '')}&status=read`);
    expect(webhooks.body.data).toHaveLength(1);
    expect(webhooks.body.data[0]).toMatchObject({ state: 'delivered', signature: expect.stringMatching(/^sha256=/) });
    expect(receiver.received.map((r) => r.raw)).toContain(webhooks.body.data[0]?.body);
    const messages = await call<{ data: { id: string; statuses: string[] }[] }>(
      sim,
      'GET',
      '/_sim/messages?wa_id=919820388810',
    );
    expect(messages.body.data).toEqual([
      expect.objectContaining({ id: wamid, statuses: ['sent', 'delivered', 'read'] }),
    ]);
    expect((await call<{ data: unknown[] }>(sim, 'GET', '/_sim/requests?limit=0')).body.data).toHaveLength(1);
    expect((await call(sim, 'DELETE', '/_sim/requests')).status).toBe(204);
    expect(sim.control.requests()).toEqual([]);
  });

  it('changes webhook config at run time, injects inbound messages, drains', async () => {
    receiver = await new Receiver().start();
    sim = await startSim({ verifyToken: 'not-what-the-receiver-expects' });
    const config = await call(sim, 'PATCH', '/_sim/webhook-config', {
      url: receiver.url,
      delaysMs: { sent: 1, delivered: 2, read: 3 },
      batchSize: 5,
    });
    expect(config.body).toMatchObject({
      url: receiver.url,
      delaysMs: { sent: 1, delivered: 2, read: 3 },
      batchSize: 5,
      maxAttempts: 12,
    });
    const inbound = await call(sim, 'POST', '/_sim/inbound', {
      phone_number_id: '200000000000001',
      from: '+919820388810',
      button: { payload: 'STOP', text: 'Stop' },
    });
    expect(inbound.status).toBe(201);
    await send(sim, plainSend('919820388810'));
    expect((await call(sim, 'POST', '/_sim/drain')).status).toBe(204);
    expect(receiver.statuses()).toHaveLength(3);
    expect(receiver.inbound()).toEqual([
      {
        from: '919820388810',
        id: inbound.body.id,
        timestamp: expect.any(String),
        type: 'button',
        button: { payload: 'STOP', text: 'Stop' },
      },
    ]);
    expect((await call(sim, 'PATCH', '/_sim/webhook-config', { duplicateRate: 2 })).status).toBe(400);
    expect((await call(sim, 'POST', '/_sim/webhook-verify')).body).toMatchObject({ ok: false, status: 403 });
  });

  it('resets to the start options, replaying the same ids under the same seed', async () => {
    sim = await startSim({ randomSeed: 99 });
    const first = await send(sim, plainSend('919820388810'));
    sim.control.addFault({ kind: 'error', code: 131000 });
    sim.control.addBusiness({ waba_id: 'x', access_token: 'x', phone_numbers: [] });
    expect((await call(sim, 'POST', '/_sim/reset')).status).toBe(204);
    expect(sim.control.faults()).toEqual([]);
    expect(sim.control.requests()).toEqual([]);
    expect(sim.control.businesses().map((b) => b.waba_id)).toEqual(['100000000000001', '100000000000009']);
    const again = await send(sim, plainSend('919820388810'));
    expect(again.body.messages).toEqual(first.body.messages);
    const other = await startSim({ randomSeed: 99 });
    expect((await send(other, plainSend('919820388810'))).body.messages).toEqual(first.body.messages);
    await other.close();
  });

  it('reset drops pending statuses and retries; batching keeps working afterwards', async () => {
    receiver = await new Receiver().start();
    sim = await startSim({ webhookUrl: receiver.url, webhook: { batchWindowMs: 20, retryBaseMs: 30 } });
    receiver.answer = () => 500;
    await send(sim, plainSend('919820388810'));
    await receiver.waitFor((r) => r.received.length >= 1);
    sim.control.reset();
    const settled = receiver.received.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(receiver.received.length).toBe(settled);
    receiver.answer = () => 200;
    await send(sim, plainSend('919820388811'));
    await sim.control.drain();
    expect(
      receiver
        .statuses()
        .filter((s) => s.recipient_id === '919820388811')
        .map((s) => s.status),
    ).toEqual(['sent', 'delivered', 'read']);
  });

  it('answers /healthz and /readyz', async () => {
    sim = await startSim();
    expect(await call(sim, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call(sim, 'GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', businesses: 2 } });
  });
});
