import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMetaSim } from '../src/index';
import { DISPLAY, NUMBER, plainSend, Receiver, send, startSim, verifySignature, WABA } from './helpers';

describe('send → status webhooks', () => {
  let sim: RunningMetaSim;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    sim = await startSim({ webhookUrl: receiver.url });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it('accepts a template send with Meta success body, then signs sent → delivered → read', async () => {
    const reply = await send(sim, plainSend('+91 98203-88810', { biz_opaque_callback_data: 'msg_01' }));
    expect(reply.status).toBe(200);
    const messages = reply.body.messages as { id: string; message_status: string }[];
    expect(reply.body).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: '+91 98203-88810', wa_id: '919820388810' }],
      messages: [{ id: expect.stringMatching(/^wamid\./), message_status: 'accepted' }],
    });
    const wamid = messages[0]?.id;
    await receiver.waitFor((r) => r.statuses().filter((s) => s.id === wamid).length === 3);
    const statuses = receiver.statuses().filter((s) => s.id === wamid);
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    for (const s of statuses) {
      expect(s).toMatchObject({
        recipient_id: '919820388810',
        biz_opaque_callback_data: 'msg_01',
        timestamp: expect.stringMatching(/^\d{10}$/),
      });
    }
    const pricing = { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' };
    expect(statuses[0]?.pricing).toEqual(pricing);
    expect(statuses[1]?.pricing).toEqual(pricing);
    expect(statuses[2]?.pricing).toBeUndefined();
    const first = receiver.received[0];
    expect(verifySignature(first?.raw ?? '', first?.headers['x-hub-signature-256'])).toBe(true);
    expect(first?.body).toMatchObject({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: WABA,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: DISPLAY, phone_number_id: NUMBER },
              },
            },
          ],
        },
      ],
    });
  });

  it('sends to a business-scoped user id named in `recipient`: statuses carry recipient_user_id, no recipient_id', async () => {
    const { to: _to, ...withoutTo } = plainSend('');
    const userId = 'US.13491208655302741918';
    const reply = await send(sim, { ...withoutTo, recipient: userId, biz_opaque_callback_data: 'msg_bsuid' });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.contacts).toEqual([{ input: userId, user_id: userId }]);
    const wamid = (reply.body.messages as { id: string }[])[0]?.id;
    await receiver.waitFor((r) => r.statuses().filter((s) => s.id === wamid).length === 3);
    for (const status of receiver.statuses().filter((s) => s.id === wamid)) {
      expect(status).toMatchObject({ recipient_user_id: userId, biz_opaque_callback_data: 'msg_bsuid' });
      expect(status).not.toHaveProperty('recipient_id');
    }

    const malformed = await send(sim, { ...withoutTo, recipient: 'us.1234' });
    expect(malformed.status).toBe(400);
    expect(JSON.stringify(malformed.body)).toMatch(/not a business-scoped user id/);
    const neither = await send(sim, withoutTo);
    expect(neither.status).toBe(400);
    expect(JSON.stringify(neither.body)).toMatch(/The parameter to \(or recipient/);
  });

  it('a user who wrote with both number and user id is reached by either, in one service window', async () => {
    const phone = '919820388877';
    const userId = 'IN.5550001112223334';
    sim.control.inbound({ phone_number_id: NUMBER, from: phone, user_id: userId, text: 'hi' });
    await receiver.waitFor((r) => r.received.some((w) => JSON.stringify(w.body).includes(userId)));
    const inbound = receiver.received.find((w) => JSON.stringify(w.body).includes(userId))!.body as any;
    expect(inbound.entry[0].changes[0].value.contacts[0]).toMatchObject({ wa_id: phone, user_id: userId });
    expect(inbound.entry[0].changes[0].value.messages[0]).toMatchObject({ from: phone, from_user_id: userId });

    const text = { messaging_product: 'whatsapp', type: 'text', text: { body: 'Hello' } };
    const byUserId = await send(sim, { ...text, recipient: userId });
    expect(byUserId.status, JSON.stringify(byUserId.body)).toBe(200);
    expect(byUserId.body.contacts).toEqual([{ input: userId, wa_id: phone, user_id: userId }]);

    // Only the user id: the number is withheld, the window is still theirs.
    sim.control.inbound({ phone_number_id: NUMBER, user_id: userId, username: 'ravi', text: 'again' });
    await receiver.waitFor((r) => r.received.some((w) => JSON.stringify(w.body).includes('"again"')));
    const hidden = receiver.received.find((w) => JSON.stringify(w.body).includes('"again"'))!.body as any;
    const value = hidden.entry[0].changes[0].value;
    expect(value.messages[0]).not.toHaveProperty('from');
    expect(value.contacts[0]).toEqual({ profile: { name: expect.any(String), username: 'ravi' }, user_id: userId });
  });
});
