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
});
