import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { DEMO, startStack, waitFor, type TestStack } from '../src/index';

describe('a message from the API to Meta and back', () => {
  let stack: TestStack;
  let apiKey: string;
  const orderUpdate = templateFixtures.order_update!;

  beforeAll(async () => {
    stack = await startStack();
    ({ apiKey } = await stack.seedDemo({ credit: '10.00' }));
  });
  afterAll(() => stack?.close());

  it('is queued, sent through meta-sim, delivered and read, with its hold captured', async () => {
    const sent = await stack.call('POST', '/api/whatsapp/v1/send-message', {
      key: apiKey,
      body: {
        phone_number_id: DEMO.metaPhoneNumberId,
        template_id: orderUpdate.id,
        phone_number: '+91 98203-88810',
        variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
        client_reference: 'order-12345',
      },
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({
      success: true,
      message_id: expect.stringMatching(/^msg_[0-9a-z]{26}$/),
      status: 'queued',
    });
    const id = sent.body.message_id as string;

    const read = await waitFor(
      async () => {
        const status = await stack.call('GET', `/api/whatsapp/v1/message-status/${id}`, { key: apiKey });
        return status.body.status === 'read' ? status.body : undefined;
      },
      { what: 'the message to be read' },
    );
    expect(read).toMatchObject({
      success: true,
      message_id: id,
      wamid: expect.stringMatching(/^wamid\./),
      status: 'read',
      phone_number: DEMO.recipient,
      template_id: orderUpdate.id,
      client_reference: 'order-12345',
      error: null,
      charge: { amount: '0.10', currency: 'INR', state: 'captured' },
    });
    for (const key of ['queued_at', 'sent_at', 'delivered_at', 'read_at'])
      expect(read.timestamps[key]).toEqual(expect.any(String));
    expect(read.timestamps.failed_at).toBeNull();

    // The wamid finds the same message.
    const byWamid = await stack.call('GET', `/api/whatsapp/v1/message-status/${read.wamid}`, { key: apiKey });
    expect(byWamid.body.message_id).toBe(id);

    // Meta received exactly the body Meta documents, with Dak's id as callback data.
    const received = stack.sim.control.requests({ route: 'messages' });
    expect(received.map((r) => r.json)).toEqual([
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: DEMO.recipient,
        type: 'template',
        biz_opaque_callback_data: id,
        template: {
          name: 'order_update',
          language: { code: orderUpdate.language },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: 'John Doe' },
                { type: 'text', text: 'ORD-12345' },
              ],
            },
          ],
        },
      },
    ]);

    // The money: 10.00 topped up, 0.10 captured, nothing held.
    const wallet = await stack.admin.wallet((await stack.admin.listAccounts()).accounts[0]!.id);
    expect(wallet).toMatchObject({
      available: '9.90',
      held: '0.00',
      captured: '0.10',
      refunded: '0.00',
      topped_up: '10.00',
    });
  });

  it('rejects a webhook with a bad signature with 401 and changes nothing', async () => {
    const before = await stack.api.ctx.db
      .selectFrom('message_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: DEMO.wabaId,
          changes: [
            {
              field: 'messages',
              value: {
                statuses: [
                  { id: 'wamid.forged', status: 'read', timestamp: '1751142888', recipient_id: DEMO.recipient },
                ],
              },
            },
          ],
        },
      ],
    });
    const wrongSignature = `sha256=${createHmac('sha256', 'not-the-app-secret').update(body).digest('hex')}`;
    for (const headers of [{ 'x-hub-signature-256': wrongSignature }, {} as Record<string, string>]) {
      const response = await fetch(`${stack.webhooks.url}/webhooks/meta`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ success: false, error: { code: 'invalid_signature' } });
    }
    const after = await stack.api.ctx.db
      .selectFrom('message_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });
});
