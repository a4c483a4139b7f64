import { afterEach, describe, expect, it } from 'vitest';
import { metaJson, type RunningMetaSim } from '../src/index';
import { eventually, NUMBER, plainSend, Receiver, send, startSim, verifySignature, WABA } from './helpers';

describe('webhooks as Meta sends them', () => {
  let sim: RunningMetaSim | undefined;
  let receiver: Receiver | undefined;

  afterEach(async () => {
    await sim?.close();
    await receiver?.close();
    sim = undefined;
    receiver = undefined;
  });

  async function setup(options: Parameters<typeof startSim>[0] = {}) {
    receiver = await new Receiver().start();
    sim = await startSim({ webhookUrl: receiver.url, ...options });
    return { sim, receiver };
  }

  it('escapes non-ASCII as \\uXXXX and signs the exact bytes, so the signature verifies', async () => {
    const { sim, receiver } = await setup();
    const opaque = 'नमस्ते 😀 ₹1,299 café';
    sim.control.inbound({ phone_number_id: NUMBER, from: '919820388810', name: 'Zoë Ñandú', text: 'Héllo 👋 नमस्ते' });
    await send(sim, plainSend('919820388810', { biz_opaque_callback_data: opaque }));
    await receiver.waitFor((r) => r.statuses().length === 3 && r.inbound().length === 1);
    for (const webhook of receiver.received) {
      expect(/^[\x20-\x7e]*$/.test(webhook.raw)).toBe(true);
      expect(verifySignature(webhook.raw, webhook.headers['x-hub-signature-256'])).toBe(true);
      expect(webhook.headers['x-hub-signature']).toMatch(/^sha1=[0-9a-f]{40}$/);
    }
    const inbound = receiver.postWith('messages');
    expect(inbound?.raw).toContain('H\\u00e9llo \\ud83d\\udc4b \\u0928\\u092e\\u0938\\u094d\\u0924\\u0947');
    expect(inbound?.body.entry[0]?.changes.find((c) => c.value.messages)?.value).toMatchObject({
      contacts: [{ profile: { name: 'Zoë Ñandú' }, wa_id: '919820388810' }],
      messages: [{ from: '919820388810', type: 'text', text: { body: 'Héllo 👋 नमस्ते' } }],
    });
    const status = receiver.received.find((w) => w.raw.includes('"status":"sent"'));
    const statuses = status?.body.entry[0]?.changes.find((c) => c.value.statuses)?.value.statuses as Record<
      string,
      unknown
    >[];
    for (const s of statuses) expect(s.biz_opaque_callback_data).toBe(opaque);
    expect(status?.raw).toContain('\\u0928\\u092e\\u0938\\u094d\\u0924\\u0947 \\ud83d\\ude00 \\u20b91,299 caf\\u00e9');
    // Re-serialising the parsed body yields other bytes, whose signature does not match.
    const reserialised = JSON.stringify(status?.body);
    expect(verifySignature(reserialised, status?.headers['x-hub-signature-256'])).toBe(false);
    expect(metaJson(status?.body)).toBe(status?.raw);
    expect(verifySignature(status?.raw ?? '', status?.headers['x-hub-signature-256'], 'wrong-secret')).toBe(false);
  });

  it('retries a webhook the receiver answered with 500, same bytes and signature, until it gets 200', async () => {
    const { sim, receiver } = await setup({ webhookDelaysMs: { sent: 5, delivered: 10_000, read: 10_000 } });
    receiver.answer = (i) => (i < 2 ? 500 : 200);
    const reply = await send(sim, plainSend('919820388810'));
    const wamid = (reply.body.messages as { id: string }[])[0]?.id;
    await receiver.waitFor((r) => r.received.length === 3);
    expect(receiver.received.map((w) => w.answeredWith)).toEqual([500, 500, 200]);
    expect(new Set(receiver.received.map((w) => w.raw)).size).toBe(1);
    expect(new Set(receiver.received.map((w) => w.headers['x-hub-signature-256'])).size).toBe(1);
    await eventually(() => {
      const [record] = sim.control.webhooks({ wamid });
      expect(record?.state).toBe('delivered');
      expect(record?.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
    });
  });

  it('gives up after maxAttempts and retries when the receiver is unreachable', async () => {
    const { sim, receiver } = await setup({ webhook: { maxAttempts: 3, retryBaseMs: 5, retryMaxMs: 10 } });
    receiver.answer = () => 503;
    await send(sim, plainSend('919820388810'));
    await sim.control.drain(3_000);
    const records = sim.control.webhooks();
    expect(records.flatMap((r) => r.statuses.map((s) => s.status)).sort()).toEqual(['delivered', 'read', 'sent']);
    expect(records.every((r) => r.state === 'failed' && r.attempts.length === 3)).toBe(true);
    expect(receiver.received.length).toBe(records.length * 3);
    sim.control.configureWebhooks({ url: 'http://127.0.0.1:9/unreachable', maxAttempts: 2 });
    await send(sim, plainSend('919820388811'));
    await sim.control.drain(3_000);
    const unreachable = sim.control.webhooks().filter((r) => r.url?.includes('unreachable'));
    expect(unreachable.length).toBeGreaterThan(0);
    expect(unreachable[0]?.attempts).toEqual([
      expect.objectContaining({ error: expect.any(String) }),
      expect.objectContaining({ error: expect.any(String) }),
    ]);
  });

  it('batches updates due together into one POST, one change per phone number', async () => {
    const { sim, receiver } = await setup({ webhook: { batchWindowMs: 40, batchSize: 1_000 } });
    await Promise.all(['919000000001', '919000000002', '919000000003'].map((to) => send(sim!, plainSend(to))));
    await receiver.waitFor((r) => r.statuses().length === 9);
    expect(receiver.received.length).toBeLessThan(9);
    const biggest = receiver.received.reduce((a, b) => (b.raw.length > a.raw.length ? b : a));
    expect(biggest.body.entry).toHaveLength(1);
    expect(biggest.body.entry[0]?.changes).toHaveLength(1);
    expect((biggest.body.entry[0]?.changes[0]?.value.statuses as unknown[]).length).toBeGreaterThan(1);
  });

  it('sends duplicates in their own POSTs and reorders read before delivered on demand', async () => {
    const { sim, receiver } = await setup({ webhook: { duplicateRate: 1, reorderRate: 1, concurrency: 1 } });
    await send(sim, plainSend('919820388810'));
    await receiver.waitFor((r) => r.statuses().length === 6);
    const order = receiver.statuses().map((s) => s.status);
    expect([...order].sort()).toEqual(['delivered', 'delivered', 'read', 'read', 'sent', 'sent']);
    expect(order.indexOf('read')).toBeLessThan(order.indexOf('delivered'));
    expect(sim.control.webhooks().filter((w) => w.duplicate)).toHaveLength(3);
  });

  it('adds jitter from the seed and skips reads at readRate 0', async () => {
    const { sim, receiver } = await setup({ webhook: { readRate: 0, jitterMs: 15 } });
    await send(sim, plainSend('919820388810'));
    await sim.control.drain();
    expect(receiver.statuses().map((s) => s.status)).toEqual(['sent', 'delivered']);
  });

  it('records updates without sending them when no URL is set', async () => {
    sim = await startSim();
    await send(sim, plainSend('919820388810'));
    await sim.control.drain();
    const records = sim.control.webhooks();
    expect(records.flatMap((r) => r.statuses.map((s) => s.status))).toEqual(['sent', 'delivered', 'read']);
    expect(records.every((r) => r.state === 'not_sent' && r.attempts.length === 0)).toBe(true);
    expect(records[0]?.payload).toMatchObject({ entry: [{ id: WABA }] });
  });

  it("runs Meta's verification handshake against the receiver", async () => {
    const { sim } = await setup();
    const result = await sim.control.verifyWebhook();
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.body).toBe(result.challenge);
  });

  it('delivers a user reply and a quick-reply tap with context for the replies behaviour', async () => {
    const { sim, receiver } = await setup();
    sim.control.addSpecialRecipient({ numbers: ['919000000010'], behaviour: 'replies', replyText: 'Thanks, got it' });
    sim.control.addSpecialRecipient({ numbers: ['919000000011'], behaviour: 'replies' });
    const a = await send(sim, plainSend('919000000010'));
    const b = await send(sim, {
      messaging_product: 'whatsapp',
      to: '919000000011',
      type: 'template',
      template: {
        name: 'promo',
        language: { code: 'en_US' },
        components: [{ type: 'body', parameters: [{ type: 'text', text: '20%' }] }],
      },
    });
    await sim.control.drain();
    expect(receiver.inbound()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          from: '919000000010',
          type: 'text',
          text: { body: 'Thanks, got it' },
          context: { from: '15550001111', id: (a.body.messages as { id: string }[])[0]?.id },
        }),
        expect.objectContaining({
          from: '919000000011',
          type: 'button',
          button: { payload: 'Interested', text: 'Interested' },
          context: { from: '15550001111', id: (b.body.messages as { id: string }[])[0]?.id },
        }),
      ]),
    );
  });
});
