import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixture, type TemplateFixtureName } from '@dak/dev-env/template-fixtures';
import { DEMO, seedAccount, startStack, waitFor, type TestStack } from '@dak/dev-env';

// Every kind of template Meta allows, sent through the API, the worker and meta-sim (which
// checks each send against the template the way the Cloud API does). For each: the message is
// accepted by meta-sim and the body meta-sim recorded is exactly Meta's documented shape.

const IMAGE = 'https://cdn.kiranacart.in/orders/ORD-20931.jpg';
const VIDEO = 'https://cdn.soundhaus.in/launch/aero-x2.mp4';
const PDF = 'https://billing.ravitraders.in/invoices/INV-2026-0042.pdf';
const MEDIA_ID = '1013859600285441';

interface Kind {
  kind: string;
  template: TemplateFixtureName;
  variables: unknown[];
  /** The `template.components` Meta must receive; undefined when the send has none. */
  components: unknown[] | undefined;
}

const text = (value: string, name?: string) => ({
  type: 'text',
  text: value,
  ...(name ? { parameter_name: name } : {}),
});
const body = (...parameters: unknown[]) => ({ type: 'body', parameters });

const kinds: Kind[] = [
  {
    kind: 'positional body',
    template: 'order_update',
    variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
    components: [body(text('John Doe'), text('ORD-12345'))],
  },
  {
    kind: 'text header with a placeholder',
    template: 'appointment_reminder',
    variables: [
      { type: 'header', values: ['12 March'] },
      { type: 'body', values: ['Priya', 'Dr. Mehta', '4:30 PM'] },
    ],
    components: [
      { type: 'header', parameters: [text('12 March')] },
      body(text('Priya'), text('Dr. Mehta'), text('4:30 PM')),
    ],
  },
  {
    kind: 'image header by link and URL button with a suffix',
    template: 'order_shipped',
    variables: [
      { type: 'header', media: { type: 'image', link: IMAGE } },
      { type: 'body', values: ['Aarav', 'ORD-20931', 'Friday, 14 March'] },
      { type: 'button', index: 0, values: ['ORD-20931'] },
    ],
    components: [
      { type: 'header', parameters: [{ type: 'image', image: { link: IMAGE } }] },
      body(text('Aarav'), text('ORD-20931'), text('Friday, 14 March')),
      { type: 'button', sub_type: 'url', index: '0', parameters: [text('ORD-20931')] },
    ],
  },
  {
    kind: 'image header by media id',
    template: 'order_shipped',
    variables: [
      { type: 'header', media: { type: 'image', id: MEDIA_ID } },
      { type: 'body', values: ['Aarav', 'ORD-20931', 'Friday, 14 March'] },
      { type: 'button', index: '0', sub_type: 'url', values: ['ORD-20931'] },
    ],
    components: [
      { type: 'header', parameters: [{ type: 'image', image: { id: MEDIA_ID } }] },
      body(text('Aarav'), text('ORD-20931'), text('Friday, 14 March')),
      { type: 'button', sub_type: 'url', index: '0', parameters: [text('ORD-20931')] },
    ],
  },
  {
    kind: 'video header by link (static URL button sends nothing)',
    template: 'product_launch_video',
    variables: [
      { type: 'header', media: { type: 'video', link: VIDEO } },
      { type: 'body', values: ['Aero X2 headphones'] },
    ],
    components: [
      { type: 'header', parameters: [{ type: 'video', video: { link: VIDEO } }] },
      body(text('Aero X2 headphones')),
    ],
  },
  {
    kind: 'video header by media id',
    template: 'product_launch_video',
    variables: [
      { type: 'header', media: { type: 'video', id: MEDIA_ID } },
      { type: 'body', values: ['Aero X2 headphones'] },
    ],
    components: [
      { type: 'header', parameters: [{ type: 'video', video: { id: MEDIA_ID } }] },
      body(text('Aero X2 headphones')),
    ],
  },
  {
    kind: 'document header by link with a filename',
    template: 'invoice_ready',
    variables: [
      { type: 'header', media: { type: 'document', link: PDF, filename: 'INV-2026-0042.pdf' } },
      { type: 'body', values: ['Ravi Traders', 'INV-2026-0042'] },
    ],
    components: [
      { type: 'header', parameters: [{ type: 'document', document: { link: PDF, filename: 'INV-2026-0042.pdf' } }] },
      body(text('Ravi Traders'), text('INV-2026-0042')),
    ],
  },
  {
    kind: 'document header by media id',
    template: 'invoice_ready',
    variables: [
      { type: 'header', media: { type: 'document', id: MEDIA_ID } },
      { type: 'body', values: ['Ravi Traders', 'INV-2026-0042'] },
    ],
    components: [
      { type: 'header', parameters: [{ type: 'document', document: { id: MEDIA_ID } }] },
      body(text('Ravi Traders'), text('INV-2026-0042')),
    ],
  },
  {
    kind: 'location header',
    template: 'store_pickup_location',
    variables: [
      {
        type: 'header',
        location: {
          latitude: '19.0760',
          longitude: 72.8777,
          name: 'Kirana Cart Andheri',
          address: 'SV Road, Andheri West, Mumbai 400058',
        },
      },
      { type: 'body', values: ['ORD-88102'] },
    ],
    components: [
      {
        type: 'header',
        parameters: [
          {
            type: 'location',
            location: {
              latitude: 19.076,
              longitude: 72.8777,
              name: 'Kirana Cart Andheri',
              address: 'SV Road, Andheri West, Mumbai 400058',
            },
          },
        ],
      },
      body(text('ORD-88102')),
    ],
  },
  {
    kind: 'named header and body, quick-reply payloads',
    template: 'festive_offer',
    variables: [
      { type: 'header', values: { sale_name: 'Diwali Sale' } },
      { type: 'body', values: { valid_until: '2 November', first_name: 'Meera', discount: '30%' } },
      { type: 'button', index: 0, values: ['SHOP_DIWALI'] },
      { type: 'button', index: 1, values: ['STOP_PROMOS'] },
    ],
    components: [
      { type: 'header', parameters: [text('Diwali Sale', 'sale_name')] },
      body(text('Meera', 'first_name'), text('30%', 'discount'), text('2 November', 'valid_until')),
      {
        type: 'button',
        sub_type: 'quick_reply',
        index: '0',
        parameters: [{ type: 'payload', payload: 'SHOP_DIWALI' }],
      },
      {
        type: 'button',
        sub_type: 'quick_reply',
        index: '1',
        parameters: [{ type: 'payload', payload: 'STOP_PROMOS' }],
      },
    ],
  },
  {
    kind: 'quick replies without payloads (Meta echoes the button text)',
    template: 'festive_offer',
    variables: [
      { type: 'header', values: { sale_name: 'Diwali Sale' } },
      { type: 'body', values: { first_name: 'Meera', discount: '30%', valid_until: '2 November' } },
    ],
    components: [
      { type: 'header', parameters: [text('Diwali Sale', 'sale_name')] },
      body(text('Meera', 'first_name'), text('30%', 'discount'), text('2 November', 'valid_until')),
    ],
  },
  {
    kind: 'currency and date_time parameters',
    template: 'payment_due',
    variables: [
      {
        type: 'body',
        values: [
          'Kabir',
          { type: 'currency', currency: { fallback_value: '₹1,299.00', code: 'INR', amount_1000: 1_299_000 } },
          { type: 'date_time', date_time: { fallback_value: '5 April 2026' } },
        ],
      },
    ],
    components: [
      body(
        text('Kabir'),
        { type: 'currency', currency: { fallback_value: '₹1,299.00', code: 'INR', amount_1000: 1_299_000 } },
        { type: 'date_time', date_time: { fallback_value: '5 April 2026' } },
      ),
    ],
  },
  {
    kind: 'copy-code coupon button',
    template: 'coupon_offer',
    variables: [
      { type: 'body', values: ['Ananya', '20%'] },
      { type: 'button', index: 0, values: ['SAVE20'] },
    ],
    components: [
      body(text('Ananya'), text('20%')),
      {
        type: 'button',
        sub_type: 'copy_code',
        index: '0',
        parameters: [{ type: 'coupon_code', coupon_code: 'SAVE20' }],
      },
    ],
  },
  {
    kind: 'authentication OTP (the code fills body and button)',
    template: 'login_otp',
    variables: [{ type: 'body', values: ['482913'] }],
    components: [body(text('482913')), { type: 'button', sub_type: 'url', index: '0', parameters: [text('482913')] }],
  },
  {
    kind: 'authentication OTP with the code given for the button too',
    template: 'login_otp',
    variables: [
      { type: 'body', values: [771204] },
      { type: 'button', index: 0, values: ['771204'] },
    ],
    components: [body(text('771204')), { type: 'button', sub_type: 'url', index: '0', parameters: [text('771204')] }],
  },
  {
    kind: 'several buttons at once (two quick replies, a URL suffix, a static URL, a phone number)',
    template: 'order_support',
    variables: [
      { type: 'header', values: ['ORD-55120'] },
      { type: 'body', values: ['Sana'] },
      { type: 'button', index: 2, values: ['ORD-55120'] },
      { type: 'button', index: 0, values: ['LOVED_IT:ORD-55120'] },
      { type: 'button', index: 1, sub_type: 'quick_reply', values: ['PROBLEM:ORD-55120'] },
    ],
    components: [
      { type: 'header', parameters: [text('ORD-55120')] },
      body(text('Sana')),
      {
        type: 'button',
        sub_type: 'quick_reply',
        index: '0',
        parameters: [{ type: 'payload', payload: 'LOVED_IT:ORD-55120' }],
      },
      {
        type: 'button',
        sub_type: 'quick_reply',
        index: '1',
        parameters: [{ type: 'payload', payload: 'PROBLEM:ORD-55120' }],
      },
      { type: 'button', sub_type: 'url', index: '2', parameters: [text('ORD-55120')] },
    ],
  },
  {
    kind: 'flow button with a flow token',
    template: 'feedback_survey',
    variables: [
      { type: 'body', values: ['Rohan'] },
      { type: 'button', index: 0, values: ['survey-ORD-55120'] },
    ],
    components: [
      body(text('Rohan')),
      {
        type: 'button',
        sub_type: 'flow',
        index: '0',
        parameters: [{ type: 'action', action: { flow_token: 'survey-ORD-55120' } }],
      },
    ],
  },
  {
    kind: 'no placeholders at all (static header, body and URL)',
    template: 'welcome_message',
    variables: [],
    components: undefined,
  },
];

describe('sending every kind of template through meta-sim', () => {
  let stack: TestStack;
  let apiKey: string;
  let recipientSeq = 0;

  beforeAll(async () => {
    stack = await startStack();
    ({ apiKey } = await stack.seedDemo({ credit: '50.00' }));
  });
  afterAll(() => stack?.close());

  /** A recipient of its own per send, so Meta's pair rate limit never slows a test. */
  const nextRecipient = () => `9198200${String(++recipientSeq).padStart(5, '0')}`;

  async function sendAndWait(request: Record<string, unknown>) {
    const to = nextRecipient();
    const sent = await stack.call('POST', '/api/whatsapp/v1/send-message', {
      key: apiKey,
      body: { phone_number_id: DEMO.metaPhoneNumberId, phone_number: to, ...request },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const id = sent.body.message_id as string;
    const status = await waitFor(
      async () => {
        const response = await stack.call('GET', `/api/whatsapp/v1/message-status/${id}`, { key: apiKey });
        return response.body.status === 'queued' ? undefined : response.body;
      },
      { what: `message ${id} to leave queued` },
    );
    expect(status, JSON.stringify(status.error)).toMatchObject({
      status: expect.stringMatching(/^(sent|delivered|read)$/),
      error: null,
    });
    const recorded = stack.sim.control
      .requests({ route: 'messages' })
      .filter((r) => (r.json as { biz_opaque_callback_data?: string } | undefined)?.biz_opaque_callback_data === id);
    expect(recorded).toHaveLength(1);
    return {
      id,
      to,
      json: recorded[0]!.json as { template: { name: string; language: { code: string }; components?: unknown[] } },
    };
  }

  // Concurrent: each send has its own recipient and is found in meta-sim by its own id.
  it.concurrent.each(kinds)('$kind ($template)', async ({ template: name, variables, components }) => {
    const template = templateFixture(name);
    const { id, to, json } = await sendAndWait({ template_id: template.id, variables });
    expect(json).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to,
      type: 'template',
      biz_opaque_callback_data: id,
      template: { name: template.name, language: { code: template.language }, ...(components ? { components } : {}) },
    });
  });

  it('finds the template by template_name + template_language instead of template_id', async () => {
    const template = templateFixture('order_shipped');
    const { id, json } = await sendAndWait({
      template_name: 'order_shipped',
      template_language: 'en_US',
      variables: kinds.find((k) => k.template === 'order_shipped')!.variables,
    });
    expect(json.template.name).toBe('order_shipped');
    const status = await stack.call('GET', `/api/whatsapp/v1/message-status/${id}`, { key: apiKey });
    expect(status.body).toMatchObject({ template_id: template.id, template_name: 'order_shipped' });
  });

  describe('GET /get-template-by-id', () => {
    it.concurrent.each<TemplateFixtureName>([
      'order_shipped',
      'invoice_ready',
      'store_pickup_location',
      'festive_offer',
      'payment_due',
      'coupon_offer',
      'login_otp',
      'order_support',
    ])('%s: describes the placeholders, and its ready variables are accepted as they are', async (name) => {
      const template = templateFixture(name);
      const described = await stack.call('GET', `/api/whatsapp/v1/get-template-by-id/${template.id}`, { key: apiKey });
      expect(described.status).toBe(200);
      expect(described.body).toMatchObject({
        success: true,
        template: {
          id: template.id,
          name: template.name,
          language: template.language,
          category: template.category,
          status: 'APPROVED',
          parameter_format: template.parameter_format,
          components: template.components,
        },
        placeholders: { parameter_format: template.parameter_format, buttons: expect.any(Array) },
        variables: expect.any(Array),
      });
      const { json } = await sendAndWait({ template_id: template.id, variables: described.body.variables });
      expect(json.template).toMatchObject({ name: template.name, language: { code: template.language } });
    });

    it('names what each part takes, with Meta examples (image header + URL button)', async () => {
      const template = templateFixture('order_shipped');
      const described = await stack.call('GET', `/api/whatsapp/v1/get-template-by-id/${template.id}`, { key: apiKey });
      const handle = (template.components[0] as { example: { header_handle: string[] } }).example.header_handle[0];
      expect(described.body.variables).toEqual([
        { type: 'header', media: { type: 'image', link: handle } },
        { type: 'body', values: ['Aarav', 'ORD-20931', 'Friday, 14 March'] },
        { type: 'button', index: 0, values: ['ORD-20931'] },
      ]);
      expect(described.body.placeholders.header).toMatchObject({
        format: 'IMAGE',
        media_type: 'image',
        example: handle,
      });
      expect(described.body.placeholders.body.placeholders.map((p: { placeholder: string }) => p.placeholder)).toEqual([
        '{{1}}',
        '{{2}}',
        '{{3}}',
      ]);
      expect(described.body.placeholders.buttons).toEqual([
        expect.objectContaining({ index: 0, sub_type: 'url', takes: 'url_suffix' }),
      ]);
    });

    it("another account's template id is a 404, as one that does not exist", async () => {
      const other = {
        waba_id: '102290129340777',
        name: 'Other Store',
        access_token: `EAAG${'b'.repeat(40)}`,
        phone_numbers: [{ phone_number_id: '106540352240777', display_phone_number: '15550780777' }],
        templates: [
          {
            id: '1284751902650777',
            name: 'order_update',
            language: 'en_US',
            status: 'APPROVED',
            category: 'UTILITY',
            components: [{ type: 'BODY', text: 'Your order is on its way.' }],
          },
        ],
      };
      stack.sim.control.addBusiness(other);
      const seeded = await seedAccount(stack.admin, other);
      expect(seeded.synced).toBe(1);

      const foreign = await stack.call('GET', '/api/whatsapp/v1/get-template-by-id/1284751902650777', { key: apiKey });
      const missing = await stack.call('GET', '/api/whatsapp/v1/get-template-by-id/1284751902650000', { key: apiKey });
      for (const [response, id] of [
        [foreign, '1284751902650777'],
        [missing, '1284751902650000'],
      ] as const) {
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({
          success: false,
          error: { code: 'template_not_found', message: expect.stringContaining(id) },
        });
      }
      const own = await stack.call('GET', '/api/whatsapp/v1/get-template-by-id/1284751902650777', {
        key: seeded.apiKey,
      });
      expect(own.status).toBe(200);
    });
  });
});
