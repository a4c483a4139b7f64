import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningMetaSim } from '../src/index';
import { call, type MetaError, NUMBER, OTHER_NUMBER, OTHER_TOKEN, plainSend, send, startSim } from './helpers';

const template = (name: string, components: unknown[], language = 'en_US', extra: Record<string, unknown> = {}) => ({
  messaging_product: 'whatsapp',
  to: '919820388810',
  type: 'template',
  template: { name, language: { code: language }, components },
  ...extra,
});

const orderComponents = (overrides: { header?: unknown; body?: unknown[]; buttons?: unknown[] } = {}) => [
  ...(overrides.header === null
    ? []
    : [
        overrides.header ?? {
          type: 'header',
          parameters: [{ type: 'image', image: { link: 'https://cdn.test/a.jpg' } }],
        },
      ]),
  {
    type: 'body',
    parameters: overrides.body ?? [
      { type: 'text', text: 'John Doe' },
      { type: 'currency', currency: { fallback_value: '₹1,299', code: 'INR', amount_1000: 1_299_000 } },
      { type: 'date_time', date_time: { fallback_value: 'March 3, 2026' } },
    ],
  },
  ...(overrides.buttons ?? [
    { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'ORD-123' }] },
    { type: 'button', sub_type: 'quick_reply', index: 1, parameters: [{ type: 'payload', payload: 'STOP' }] },
  ]),
];

describe('POST /{phone_number_id}/messages validation', () => {
  let sim: RunningMetaSim;

  beforeAll(async () => {
    sim = await startSim({ pairRateLimit: { burst: 1_000, intervalMs: 1 } });
  });
  afterAll(() => sim.close());

  async function expectError(body: unknown, code: number, status: number, token?: string, number?: string) {
    const reply = await send(sim, body, token, number);
    expect({ status: reply.status, code: (reply.body as unknown as MetaError).error?.code }).toEqual({ status, code });
    return reply.body as unknown as MetaError;
  }

  it("answers errors in Meta's exact shape", async () => {
    const error = await expectError(template('no_such_template', []), 132001, 404);
    expect(error).toEqual({
      error: {
        message: '(#132001) Template name does not exist in the translation',
        type: 'OAuthException',
        code: 132001,
        error_data: {
          messaging_product: 'whatsapp',
          details: 'template name (no_such_template) does not exist in en_US',
        },
        fbtrace_id: expect.stringMatching(/^[\w-]{23}$/),
      },
    });
  });

  it('rejects a missing or foreign access token with 190 / 401, an unknown number with 100 / 33', async () => {
    await expectError(plainSend('919820388810'), 190, 401, '');
    await expectError(plainSend('919820388810'), 190, 401, 'not-a-token');
    await expectError(plainSend('919820388810'), 190, 401, OTHER_TOKEN);
    const unknown = await expectError(plainSend('919820388810'), 100, 400, undefined, '999');
    expect(unknown.error.error_subcode).toBe(33);
    expect((await send(sim, plainSend('919820388810'), OTHER_TOKEN, OTHER_NUMBER)).status).toBe(404);
  });

  it('accepts the full META.md example (image header, currency, date_time, url and quick-reply buttons)', async () => {
    const reply = await send(
      sim,
      template('order_update', orderComponents(), 'en_US', { biz_opaque_callback_data: 'msg_1' }),
    );
    expect(reply.status).toBe(200);
  });

  it('checks the envelope: messaging_product, to, recipient_type, opaque data, type, sender = recipient', async () => {
    await expectError({ ...plainSend('919820388810'), messaging_product: 'sms' }, 100, 400);
    await expectError({ ...plainSend('919820388810'), to: undefined }, 100, 400);
    await expectError(plainSend('hello'), 100, 400);
    await expectError({ ...plainSend('919820388810'), recipient_type: 'group' }, 100, 400);
    await expectError(plainSend('919820388810', { biz_opaque_callback_data: 'x'.repeat(513) }), 100, 400);
    await expectError({ ...plainSend('919820388810'), type: 'hologram' }, 100, 400);
    await expectError(plainSend('15550001111'), 131021, 400);
    await expectError('{not json', 100, 400);
  });

  it('132001 for unknown language and non-approved templates, 132015 paused, 132016 disabled', async () => {
    await expectError(template('plain', [], 'pt_BR'), 132001, 404);
    for (const [status, code, http] of [
      ['PENDING', 132001, 404],
      ['REJECTED', 132001, 404],
      ['PAUSED', 132015, 400],
      ['DISABLED', 132016, 400],
    ] as const) {
      sim.control.upsertTemplate('100000000000001', {
        id: `4000${status.length}`,
        name: `t_${status.toLowerCase()}`,
        language: 'en_US',
        status,
        components: [{ type: 'BODY', text: 'Hi' }],
      });
      await expectError(template(`t_${status.toLowerCase()}`, []), code, http);
    }
  });

  it('132000 when the parameter count differs (body, header, buttons)', async () => {
    await expectError(
      template('order_update', orderComponents({ body: [{ type: 'text', text: 'only one' }] })),
      132000,
      400,
    );
    await expectError(template('plain', [{ type: 'body', parameters: [] }]), 132000, 400);
    await expectError(template('plain', []), 132000, 400);
    await expectError(
      template('plain', [
        { type: 'header', parameters: [{ type: 'text', text: 'no header in template' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'P-1' }] },
      ]),
      132000,
      400,
    );
  });

  it('132012 when a parameter has the wrong format', async () => {
    await expectError(
      template(
        'order_update',
        orderComponents({ header: { type: 'header', parameters: [{ type: 'text', text: 'x' }] } }),
      ),
      132012,
      400,
    );
    await expectError(
      template('plain', [{ type: 'body', parameters: [{ type: 'image', image: { link: 'https://x.test/a.jpg' } }] }]),
      132012,
      400,
    );
    await expectError(
      template('plain', [{ type: 'body', parameters: [{ type: 'text', text: 'x', parameter_name: 'x' }] }]),
      132012,
      400,
    );
    await expectError(
      template('welcome', [
        { type: 'header', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Asha' }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Asha' },
            { type: 'text', text: '42' },
          ],
        },
      ]),
      132012,
      400,
    );
  });

  it('131008 when header media or a required button parameter is missing', async () => {
    await expectError(template('order_update', orderComponents({ header: null })), 131008, 400);
    await expectError(
      template(
        'order_update',
        orderComponents({ header: { type: 'header', parameters: [{ type: 'image', image: {} }] } }),
      ),
      131008,
      400,
    );
    await expectError(template('order_update', orderComponents({ buttons: [] })), 131008, 400);
    await expectError(template('otp', [{ type: 'body', parameters: [{ type: 'text', text: '123456' }] }]), 131008, 400);
  });

  it('132005 when the hydrated body or header is too long', async () => {
    await expectError(
      template('plain', [{ type: 'body', parameters: [{ type: 'text', text: 'x'.repeat(1_000) }] }]),
      132005,
      400,
    );
    await expectError(
      template('welcome', [
        { type: 'header', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'y'.repeat(60) }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', parameter_name: 'first_name', text: 'A' },
            { type: 'text', parameter_name: 'code', text: '1' },
          ],
        },
      ]),
      132005,
      400,
    );
  });

  it('100 for text parameters with new lines, tabs or five spaces', async () => {
    const error = await expectError(
      template('plain', [{ type: 'body', parameters: [{ type: 'text', text: 'a\nb' }] }]),
      100,
      400,
    );
    expect(error.error.error_data.details).toMatch(/new-line/);
  });

  it('accepts NAMED parameters in any order and authentication templates with the code twice', async () => {
    const named = await send(
      sim,
      template('welcome', [
        { type: 'header', parameters: [{ type: 'text', parameter_name: 'first_name', text: 'Asha' }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', parameter_name: 'code', text: '42' },
            { type: 'text', parameter_name: 'first_name', text: 'Asha' },
          ],
        },
      ]),
    );
    expect(named.status).toBe(200);
    const otp = await send(
      sim,
      template('otp', [
        { type: 'body', parameters: [{ type: 'text', text: '123456' }] },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '123456' }] },
      ]),
    );
    expect(otp.status).toBe(200);
  });

  it('131047 for a text message outside the service window; accepted once the user has written', async () => {
    const text = { messaging_product: 'whatsapp', to: '919000000001', type: 'text', text: { body: 'Hello there' } };
    await expectError(text, 131047, 400);
    sim.control.inbound({ phone_number_id: NUMBER, from: '919000000001', text: 'hi' });
    const reply = await send(sim, text);
    expect(reply.status).toBe(200);
    expect(reply.body.messages).toEqual([{ id: expect.stringMatching(/^wamid\./) }]);
    await expectError({ ...text, text: { body: 'x'.repeat(4_097) } }, 100, 400);
    await expectError({ ...text, text: {} }, 131008, 400);
  });

  it('takes a read receipt for a user message to the number: success true, the message and earlier ones read', async () => {
    const first = sim.control.inbound({ phone_number_id: NUMBER, from: '919000000002', text: 'one' });
    const second = sim.control.inbound({ phone_number_id: NUMBER, from: '919000000002', text: 'two' });
    const other = sim.control.inbound({ phone_number_id: NUMBER, from: '919000000003', text: 'other user' });
    const receipt = (id: string) => ({ messaging_product: 'whatsapp', status: 'read', message_id: id });
    const reply = await send(sim, receipt(second.id));
    expect([reply.status, reply.body]).toEqual([200, { success: true }]);
    const records = sim.control.inboundMessages();
    const readAt = (id: string) => records.find((r) => r.id === id)?.read_at;
    expect(readAt(first.id)).toEqual(expect.any(String));
    expect(readAt(second.id)).toEqual(expect.any(String));
    expect(readAt(other.id)).toBeUndefined();
    // Another number's token, a wamid this number never received, a status other than read: Meta's errors.
    await expectError(receipt(other.id), 190, 401, OTHER_TOKEN);
    await expectError(receipt(other.id), 100, 400, OTHER_TOKEN, OTHER_NUMBER);
    await expectError(receipt('wamid.unknown'), 100, 400);
    await expectError({ ...receipt(other.id), status: 'delivered' }, 100, 400);
    expect(readAt(other.id)).toBeUndefined();
  });

  it('serves Graph versions v21.0 to v25.0 only', async () => {
    for (const version of ['v21.0', 'v25.0']) {
      expect((await call(sim, 'POST', `/${version}/${NUMBER}/messages`, plainSend('919820388810'))).status).toBe(200);
    }
    const old = await call<MetaError>(sim, 'POST', `/v19.0/${NUMBER}/messages`, plainSend('919820388810'));
    expect([old.status, old.body.error.code]).toEqual([400, 2500]);
  });
});
