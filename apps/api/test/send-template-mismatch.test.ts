import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixture, type TemplateFixtureName } from '@dak/dev-env/template-fixtures';
import { DEMO, startStack, type TestStack } from '@dak/dev-env';

// A send whose variables do not fit its template is a 422 that names the component and the
// placeholder at fault and what was expected, before anything is stored or held.

interface Wrong {
  wrong: string;
  template: TemplateFixtureName;
  variables: unknown[];
  /** The message must say this (the whole 422 message joins every problem). */
  says: string;
  /** The first reported problem. */
  error: { component: string; placeholder?: string; index?: number };
}

const IMAGE = 'https://cdn.kiranacart.in/orders/ORD-20931.jpg';
const shippedBody = { type: 'body', values: ['Aarav', 'ORD-20931', 'Friday, 14 March'] };
const shippedButton = { type: 'button', index: 0, values: ['ORD-20931'] };
const shippedHeader = { type: 'header', media: { type: 'image', link: IMAGE } };
const festiveHeader = { type: 'header', values: { sale_name: 'Diwali Sale' } };
const supportStart = [
  { type: 'header', values: ['ORD-55120'] },
  { type: 'body', values: ['Sana'] },
  { type: 'button', index: 2, values: ['ORD-55120'] },
];

const wrongs: Wrong[] = [
  {
    wrong: 'too few body values',
    template: 'order_update',
    variables: [{ type: 'body', values: ['John Doe'] }],
    says: 'body expects 2 values ({{1}}, {{2}}), got 1',
    error: { component: 'body', placeholder: '{{2}}' },
  },
  {
    wrong: 'too many body values',
    template: 'order_update',
    variables: [{ type: 'body', values: ['John Doe', 'ORD-12345', 'extra'] }],
    says: 'body expects 2 values ({{1}}, {{2}}), got 3',
    error: { component: 'body' },
  },
  {
    wrong: 'no body values at all',
    template: 'order_update',
    variables: [],
    says: 'body expects 2 values ({{1}}, {{2}}), got 0',
    error: { component: 'body', placeholder: '{{1}}' },
  },
  {
    wrong: 'the text header value missing',
    template: 'appointment_reminder',
    variables: [{ type: 'body', values: ['Priya', 'Dr. Mehta', '4:30 PM'] }],
    says: 'header expects 1 value ({{1}}), got 0',
    error: { component: 'header', placeholder: '{{1}}' },
  },
  {
    wrong: 'a text header longer than 60 characters once filled',
    template: 'appointment_reminder',
    variables: [
      { type: 'header', values: ['x'.repeat(50)] },
      { type: 'body', values: ['Priya', 'Dr. Mehta', '4:30 PM'] },
    ],
    says: 'header is 65 characters once filled; Meta allows at most 60',
    error: { component: 'header', placeholder: '{{1}}' },
  },
  {
    wrong: 'a newline in a body value',
    template: 'appointment_reminder',
    variables: [
      { type: 'header', values: ['12 March'] },
      { type: 'body', values: ['Priya', 'Dr.\nMehta', '4:30 PM'] },
    ],
    says: 'body {{2}} must not contain newlines, tabs or more than 4 consecutive spaces',
    error: { component: 'body', placeholder: '{{2}}' },
  },
  {
    wrong: 'a body longer than 1024 characters once filled',
    template: 'payment_due',
    variables: [{ type: 'body', values: ['Kabir', 'y'.repeat(1000), '5 April 2026'] }],
    says: 'body is 1106 characters once filled; Meta allows at most 1024',
    error: { component: 'body' },
  },
  {
    wrong: 'the image header missing',
    template: 'order_shipped',
    variables: [shippedBody, shippedButton],
    says: 'header expects an image (template header format IMAGE), got none',
    error: { component: 'header' },
  },
  {
    wrong: 'a video where the header is an image',
    template: 'order_shipped',
    variables: [
      { type: 'header', media: { type: 'video', link: 'https://cdn.kiranacart.in/a.mp4' } },
      shippedBody,
      shippedButton,
    ],
    says: 'header expects an image (template header format IMAGE), got a video',
    error: { component: 'header' },
  },
  {
    wrong: 'text values where the header is an image',
    template: 'order_shipped',
    variables: [{ type: 'header', values: ['ORD-20931'] }, shippedBody, shippedButton],
    says: 'header expects an image (template header format IMAGE), got text values',
    error: { component: 'header' },
  },
  {
    wrong: 'a media link that is not http(s)',
    template: 'order_shipped',
    variables: [
      { type: 'header', media: { type: 'image', link: 'ftp://cdn.kiranacart.in/a.jpg' } },
      shippedBody,
      shippedButton,
    ],
    says: 'header image link must be an http(s) URL, got "ftp://cdn.kiranacart.in/a.jpg"',
    error: { component: 'header' },
  },
  {
    wrong: 'both a media link and an id',
    template: 'order_shipped',
    variables: [
      { type: 'header', media: { type: 'image', link: IMAGE, id: '1013859600285441' } },
      shippedBody,
      shippedButton,
    ],
    says: 'header image takes a link or an id, not both',
    error: { component: 'header' },
  },
  {
    wrong: 'neither a media link nor an id',
    template: 'invoice_ready',
    variables: [
      { type: 'header', media: { type: 'document', filename: 'invoice.pdf' } },
      { type: 'body', values: ['Ravi Traders', 'INV-1'] },
    ],
    says: 'header document needs a link or an id',
    error: { component: 'header' },
  },
  {
    wrong: 'a filename on an image',
    template: 'order_shipped',
    variables: [
      { type: 'header', media: { type: 'image', link: IMAGE, filename: 'a.jpg' } },
      shippedBody,
      shippedButton,
    ],
    says: 'header image takes no filename (only documents do)',
    error: { component: 'header' },
  },
  {
    wrong: 'the location header missing',
    template: 'store_pickup_location',
    variables: [{ type: 'body', values: ['ORD-88102'] }],
    says: 'header expects a location (template header format LOCATION), got none',
    error: { component: 'header' },
  },
  {
    wrong: 'the URL button suffix missing',
    template: 'order_shipped',
    variables: [shippedHeader, shippedBody],
    says: 'button 0 (URL) expects 1 value (the URL suffix), got 0',
    error: { component: 'button', index: 0 },
  },
  {
    wrong: 'a URL suffix with a space',
    template: 'order_shipped',
    variables: [shippedHeader, shippedBody, { type: 'button', index: 0, values: ['ORD 20931'] }],
    says: 'button 0 (URL) URL suffix must not contain whitespace; URL-encode it',
    error: { component: 'button', index: 0 },
  },
  {
    wrong: 'a value for a static URL button',
    template: 'product_launch_video',
    variables: [
      { type: 'header', media: { type: 'video', link: 'https://cdn.soundhaus.in/a.mp4' } },
      { type: 'body', values: ['Aero X2'] },
      { type: 'button', index: 0, values: ['aero-x2'] },
    ],
    says: 'button 0 (URL) expects no values (its URL is static), got 1',
    error: { component: 'button', index: 0 },
  },
  {
    wrong: 'a button index that does not exist',
    template: 'order_shipped',
    variables: [shippedHeader, shippedBody, shippedButton, { type: 'button', index: 3, values: ['x'] }],
    says: 'button 3 does not exist; the template has only button 0',
    error: { component: 'button', index: 3 },
  },
  {
    wrong: 'a sub_type that is not the button’s',
    template: 'order_support',
    variables: [...supportStart, { type: 'button', index: 0, sub_type: 'url', values: ['x'] }],
    says: 'button 0 is a QUICK_REPLY button (sub_type quick_reply), not url',
    error: { component: 'button', index: 0 },
  },
  {
    wrong: 'a quick-reply payload over 256 characters',
    template: 'order_support',
    variables: [...supportStart, { type: 'button', index: 1, values: ['p'.repeat(257)] }],
    says: 'button 1 (QUICK_REPLY) payload is 257 characters; Dak allows at most 256',
    error: { component: 'button', index: 1 },
  },
  {
    wrong: 'the coupon code missing',
    template: 'coupon_offer',
    variables: [{ type: 'body', values: ['Ananya', '20%'] }],
    says: 'button 0 (COPY_CODE) expects 1 value (the coupon code), got 0',
    error: { component: 'button', index: 0 },
  },
  {
    wrong: 'a coupon code over 15 characters',
    template: 'coupon_offer',
    variables: [
      { type: 'body', values: ['Ananya', '20%'] },
      { type: 'button', index: 0, values: ['DIWALI2026SAVE20'] },
    ],
    says: 'button 0 (COPY_CODE) coupon code is 16 characters; Meta allows at most 15',
    error: { component: 'button', index: 0 },
  },
  {
    wrong: 'a one-time code over 15 characters',
    template: 'login_otp',
    variables: [{ type: 'body', values: ['1234567890123456'] }],
    says: 'body {{1}} (the one-time code) is 16 characters; Meta allows at most 15',
    error: { component: 'body', placeholder: '{{1}}' },
  },
  {
    wrong: 'a different code in the OTP button',
    template: 'login_otp',
    variables: [
      { type: 'body', values: ['482913'] },
      { type: 'button', index: 0, values: ['000000'] },
    ],
    says: "button 0 (OTP) must carry the same code as the body's {{1}}",
    error: { component: 'button', index: 0 },
  },
  {
    wrong: 'a named placeholder missing',
    template: 'festive_offer',
    variables: [festiveHeader, { type: 'body', values: { first_name: 'Meera', discount: '30%' } }],
    says: 'body is missing {{valid_until}}',
    error: { component: 'body', placeholder: '{{valid_until}}' },
  },
  {
    wrong: 'a named placeholder the template does not have',
    template: 'festive_offer',
    variables: [
      festiveHeader,
      { type: 'body', values: { first_name: 'Meera', discount: '30%', valid_until: '2 Nov', city: 'Pune' } },
    ],
    says: 'body has no placeholder {{city}}; its placeholders are {{first_name}}, {{discount}}, {{valid_until}}',
    error: { component: 'body', placeholder: '{{city}}' },
  },
  {
    wrong: 'a list of values for a NAMED template',
    template: 'festive_offer',
    variables: [festiveHeader, { type: 'body', values: ['Meera', '30%', '2 November'] }],
    says: 'body expects named values as an object ({{first_name}}, {{discount}}, {{valid_until}}), got a list',
    error: { component: 'body' },
  },
  {
    wrong: 'named values for a POSITIONAL template',
    template: 'order_update',
    variables: [{ type: 'body', values: { name: 'John Doe', order: 'ORD-12345' } }],
    says: 'body expects a list of 2 values ({{1}}, {{2}}), got named values',
    error: { component: 'body' },
  },
  {
    wrong: 'a header for a template without one',
    template: 'order_update',
    variables: [
      { type: 'header', values: ['Hi'] },
      { type: 'body', values: ['John Doe', 'ORD-12345'] },
    ],
    says: 'the template has no header; remove the header entry',
    error: { component: 'header' },
  },
];

describe('send-message with variables that do not fit the template', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1.00' }));
  });
  afterAll(() => stack?.close());

  async function expectNothingStored() {
    expect(await stack.api.ctx.db.selectFrom('messages').select('id').execute()).toEqual([]);
    expect(
      await stack.api.ctx.db.selectFrom('ledger_entries').select('kind').where('kind', '!=', 'topup').execute(),
    ).toEqual([]);
    expect(await stack.admin.wallet(accountId)).toMatchObject({ available: '1.00', held: '0.00' });
  }

  const send = (body: Record<string, unknown>) =>
    stack.call('POST', '/api/whatsapp/v1/send-message', {
      key: apiKey,
      body: { phone_number_id: DEMO.metaPhoneNumberId, phone_number: DEMO.recipient, ...body },
    });

  it.each(wrongs)('$wrong ($template) → 422', async ({ template, variables, says, error }) => {
    const response = await send({ template_id: templateFixture(template).id, variables });
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body.error.code).toBe('variables_mismatch');
    expect(response.body.error.message).toContain(says);
    expect(response.body.error.message).toContain(`template "${template}"`);
    expect(response.body.error.details.errors[0]).toMatchObject(error);
    await expectNothingStored();
  });

  it('the same checks apply when the template is named by template_name + template_language', async () => {
    const response = await send({
      template_name: 'order_update',
      template_language: 'en_US',
      variables: [{ type: 'body', values: ['John Doe'] }],
    });
    expect(response.status).toBe(422);
    expect(response.body.error.message).toContain('body expects 2 values ({{1}}, {{2}}), got 1');
    await expectNothingStored();
  });

  describe('naming the template', () => {
    const variables = [{ type: 'body', values: ['John Doe', 'ORD-12345'] }];
    const id = templateFixture('order_update').id;

    it.each([
      [
        'neither template_id nor template_name',
        {},
        /template_id: required: template_id \(the Meta template id\), or template_name with template_language/,
      ],
      [
        'template_id and template_name',
        { template_id: id, template_name: 'order_update', template_language: 'en_US' },
        /template_id: give either .* not both/,
      ],
      [
        'template_id and template_language',
        { template_id: id, template_language: 'en_US' },
        /template_id: give either .* not both/,
      ],
      [
        'template_name without template_language',
        { template_name: 'order_update' },
        /template_language: required with template_name/,
      ],
      [
        'template_language without template_name',
        { template_language: 'en_US' },
        /template_name: required with template_language/,
      ],
      [
        'a template_name that is not a string',
        { template_name: 42, template_language: 'en_US' },
        /template_name: must be a string/,
      ],
    ])('%s → 400 that says how to name it', async (_case, reference, says) => {
      const response = await send({ ...reference, variables });
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(response.body).toMatchObject({
        success: false,
        error: { code: 'invalid_request', message: expect.stringMatching(says) },
      });
      await expectNothingStored();
    });

    it('an unknown name, or a known name in another language → 404 that lists its languages', async () => {
      const unknown = await send({ template_name: 'order_updates', template_language: 'en_US', variables });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toMatchObject({
        code: 'template_not_found',
        message: expect.stringContaining('No template "order_updates" in language "en_US"'),
      });
      const otherLanguage = await send({ template_name: 'order_update', template_language: 'hi', variables });
      expect(otherLanguage.status).toBe(404);
      expect(otherLanguage.body.error.message).toContain(
        'No template "order_update" in language "hi" (it exists in en_US)',
      );
      await expectNothingStored();
    });
  });

  describe('GET /templates filters', () => {
    const list = async (query: string) => {
      const response = await stack.call('GET', `/api/whatsapp/v1/templates${query}`, { key: apiKey });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return (response.body.templates as { name: string; language: string; status: string }[]).map(
        (t) => `${t.name}/${t.language}/${t.status}`,
      );
    };

    it('by name and language, exactly', async () => {
      expect(await list('?name=order_update&language=en_US')).toEqual(['order_update/en_US/APPROVED']);
      expect(await list('?name=order_update&language=en')).toEqual([]);
      expect(await list('?name=order_')).toEqual([]);
      expect(await list('?language=en')).toEqual([
        'appointment_reminder/en/APPROVED',
        'coupon_offer/en/APPROVED',
        'feedback_survey/en/APPROVED',
        'festive_offer/en/APPROVED',
        'product_launch_video/en/APPROVED',
      ]);
    });

    it('by status, one or several, in any case', async () => {
      await stack.api.ctx.db
        .updateTable('templates')
        .set({ status: 'PAUSED' })
        .where('name', '=', 'coupon_offer')
        .execute();
      try {
        expect(await list('?status=paused')).toEqual(['coupon_offer/en/PAUSED']);
        expect(await list('?status=PAUSED,DISABLED&language=en')).toEqual(['coupon_offer/en/PAUSED']);
        expect(await list('?status=APPROVED')).toHaveLength(12);
        expect(await list('')).toHaveLength(13);
      } finally {
        await stack.api.ctx.db
          .updateTable('templates')
          .set({ status: 'APPROVED' })
          .where('name', '=', 'coupon_offer')
          .execute();
      }
    });

    it('a malformed filter → 400 naming it', async () => {
      const response = await stack.call('GET', '/api/whatsapp/v1/templates?status=approved;drop&name=a&name=b', {
        key: apiKey,
      });
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(
        /Invalid query: name: give one name; status: a status such as APPROVED/,
      );
    });
  });
});
