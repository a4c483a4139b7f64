import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningMetaSim } from '../src/index';
import { call, plainSend, Receiver, send, startSim } from './helpers';

const promo = (to: string) => ({
  messaging_product: 'whatsapp',
  to,
  type: 'template',
  template: {
    name: 'promo',
    language: { code: 'en_US' },
    components: [{ type: 'body', parameters: [{ type: 'text', text: '20%' }] }],
  },
});

describe('special recipients', () => {
  let sim: RunningMetaSim;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    sim = await startSim({
      webhookUrl: receiver.url,
      specialRecipients: [
        { prefix: '9199990', behaviour: 'not_on_whatsapp' },
        { numbers: ['919000000049'], behaviour: 'marketing_limit' },
        { numbers: ['919000000050'], behaviour: 'marketing_opt_out' },
      ],
    });
  });
  beforeEach(() => {
    receiver.received.length = 0;
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  async function statusesFor(body: unknown): Promise<Record<string, unknown>[]> {
    const reply = await send(sim, body);
    expect(reply.status).toBe(200);
    const wamid = (reply.body.messages as { id: string }[])[0]?.id;
    await sim.control.drain();
    await new Promise((resolve) => setTimeout(resolve, 10));
    return receiver.statuses().filter((s) => s.id === wamid);
  }

  it('not on WhatsApp (by prefix): accepted, sent, then failed 131026 with Meta errors[]', async () => {
    const statuses = await statusesFor(plainSend('919999012345'));
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'failed']);
    expect(statuses[1]?.errors).toEqual([
      {
        code: 131026,
        title: 'Message undeliverable',
        message: 'Message undeliverable',
        error_data: { details: 'Message undeliverable' },
        href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
      },
    ]);
    expect(statuses[1]?.pricing).toBeUndefined();
  });

  it('marketing limit (131049) and marketing opt-out (131050) fail marketing templates only', async () => {
    expect(
      (await statusesFor(promo('919000000049'))).map((s) => [
        s.status,
        (s.errors as { code: number }[] | undefined)?.[0]?.code,
      ]),
    ).toEqual([['failed', 131049]]);
    expect(
      (await statusesFor(promo('919000000050'))).map((s) => (s.errors as { code: number }[] | undefined)?.[0]?.code),
    ).toEqual([131050]);
    expect((await statusesFor(plainSend('919000000050'))).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('never reads, reads instantly (no delivered; pricing on read), never delivers', async () => {
    sim.control.addSpecialRecipient({ numbers: ['919000000001'], behaviour: 'never_reads' });
    sim.control.addSpecialRecipient({ numbers: ['919000000002'], behaviour: 'reads_instantly' });
    sim.control.addSpecialRecipient({ numbers: ['919000000003'], behaviour: 'never_delivers' });
    expect((await statusesFor(plainSend('919000000001'))).map((s) => s.status)).toEqual(['sent', 'delivered']);
    const instant = await statusesFor(plainSend('919000000002'));
    expect(instant.map((s) => s.status)).toEqual(['sent', 'read']);
    expect(instant[1]?.pricing).toMatchObject({ billable: true, category: 'utility' });
    expect((await statusesFor(plainSend('919000000003'))).map((s) => s.status)).toEqual(['sent']);
  });

  it('fails with a chosen code, and fails then delivers late (delivered after failed)', async () => {
    await call(sim, 'POST', '/_sim/special-recipients', {
      numbers: ['919000000004'],
      behaviour: 'fails',
      errorCode: 131053,
    });
    await call(sim, 'POST', '/_sim/special-recipients', {
      numbers: ['919000000005'],
      behaviour: 'fails_then_delivers',
    });
    const failed = await statusesFor(plainSend('919000000004'));
    expect(failed.map((s) => [s.status, (s.errors as { code: number }[] | undefined)?.[0]?.code])).toEqual([
      ['sent', undefined],
      ['failed', 131053],
    ]);
    expect((await statusesFor(plainSend('919000000005'))).map((s) => s.status)).toEqual([
      'sent',
      'failed',
      'delivered',
    ]);
  });

  it('is listed, removable and cleared over the control API', async () => {
    const list = await call<{ data: { id: string; behaviour: string }[] }>(sim, 'GET', '/_sim/special-recipients');
    const rule = list.body.data.find((r) => r.behaviour === 'never_delivers');
    expect((await call(sim, 'DELETE', `/_sim/special-recipients/${rule?.id}`)).status).toBe(204);
    expect((await statusesFor(plainSend('919000000003'))).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    expect((await call(sim, 'POST', '/_sim/special-recipients', { behaviour: 'fails' })).status).toBe(400);
  });

  it('applies a utility template inside an open service window free of charge', async () => {
    sim.control.openServiceWindow({ phone_number_id: '200000000000001', wa_id: '919000000077' });
    const statuses = await statusesFor(plainSend('919000000077'));
    expect(statuses[0]?.pricing).toEqual({
      billable: false,
      pricing_model: 'PMP',
      category: 'utility',
      type: 'free_customer_service',
    });
    expect(statuses[0]?.conversation).toBeUndefined();
  });

  it('inside a free-entry window (an ad click) any template is free_entry_point, with its conversation', async () => {
    sim.control.openServiceWindow({ phone_number_id: '200000000000001', wa_id: '919000000078', entry_point: true });
    const statuses = await statusesFor(plainSend('919000000078'));
    expect(statuses[0]?.pricing).toEqual({
      billable: false,
      pricing_model: 'PMP',
      category: 'utility',
      type: 'free_entry_point',
    });
    const conversation = statuses[0]?.conversation as { id: string; expiration_timestamp: string; origin: unknown };
    expect(conversation.origin).toEqual({ type: 'free_entry_point' });
    expect(Number(conversation.expiration_timestamp) - Date.now() / 1_000).toBeGreaterThan(71 * 3_600);
    expect(statuses[1]?.conversation).toEqual(conversation);
  });
});
