import { describe, expect, it } from 'vitest';
import { buildTemplateComponents, type SendVariable } from '../../src/templates';
import { templateFixture } from '@dak/dev-env/template-fixtures';
import { componentsOf, errorsOf } from './build-result';

const festive = templateFixture('festive_offer');
const coupon = templateFixture('coupon_offer');
const otp = templateFixture('login_otp');
const support = templateFixture('order_support');
const survey = templateFixture('feedback_survey');

const festiveText: SendVariable[] = [
  { type: 'header', values: { sale_name: 'Diwali Sale' } },
  { type: 'body', values: { first_name: 'Meera', discount: '30%', valid_until: '2 November' } },
];
const couponBody: SendVariable = { type: 'body', values: ['Ananya', '20%'] };
const supportText: SendVariable[] = [
  { type: 'header', values: ['ORD-55120'] },
  { type: 'body', values: ['Sana'] },
];

describe('quick replies (festive_offer)', () => {
  it('sends no button component when no payload is given: Meta echoes the button text', () => {
    expect(componentsOf(buildTemplateComponents(festive, festiveText)).map((c) => c.type)).toEqual(['header', 'body']);
  });

  it('sends the payloads given, by index', () => {
    const components = componentsOf(
      buildTemplateComponents(festive, [
        ...festiveText,
        { type: 'button', index: 1, values: ['STOP_PROMOS'] },
        { type: 'button', index: 0, values: ['SHOP_DIWALI'] },
      ]),
    );
    expect(components.slice(2)).toEqual([
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
    ]);
  });

  it('rejects two payloads, an empty one, one over 256 characters and a button that does not exist', () => {
    const result = buildTemplateComponents(festive, [
      ...festiveText,
      { type: 'button', index: 0, values: ['A', 'B'] },
      { type: 'button', index: 1, values: ['P'.repeat(257)] },
      { type: 'button', index: 3, values: ['X'] },
    ]);
    expect(errorsOf(result)).toEqual([
      'button 3 does not exist; the template has buttons 0–1',
      'button 0 (QUICK_REPLY) expects at most 1 value (the payload), got 2',
      'button 1 (QUICK_REPLY) payload is 257 characters; Dak allows at most 256',
    ]);
    expect(
      errorsOf(buildTemplateComponents(festive, [...festiveText, { type: 'button', index: 0, values: [''] }])),
    ).toEqual(['button 0 (QUICK_REPLY) payload is empty']);
  });
});

describe('copy-code coupon (coupon_offer)', () => {
  it('builds the coupon_code button; the static URL button needs nothing', () => {
    const result = buildTemplateComponents(coupon, [couponBody, { type: 'button', index: 0, values: ['SAVE20'] }]);
    expect(result).toEqual({
      ok: true,
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ananya' },
            { type: 'text', text: '20%' },
          ],
        },
        {
          type: 'button',
          sub_type: 'copy_code',
          index: '0',
          parameters: [{ type: 'coupon_code', coupon_code: 'SAVE20' }],
        },
      ],
    });
  });

  it('requires the coupon code, at most 15 characters', () => {
    expect(errorsOf(buildTemplateComponents(coupon, [couponBody]))).toEqual([
      'button 0 (COPY_CODE) expects 1 value (the coupon code), got 0',
    ]);
    const long = buildTemplateComponents(coupon, [
      couponBody,
      { type: 'button', index: 0, values: ['DIWALI2026MEGA20'] },
    ]);
    expect(long).toEqual({
      ok: false,
      errors: [
        {
          component: 'button',
          index: 0,
          message: 'button 0 (COPY_CODE) coupon code is 16 characters; Meta allows at most 15',
          expected: 15,
          received: 16,
        },
      ],
    });
  });

  it('rejects a value for the static URL button and a mismatched sub_type', () => {
    const result = buildTemplateComponents(coupon, [
      couponBody,
      { type: 'button', index: 0, sub_type: 'url', values: ['SAVE20'] },
      { type: 'button', index: 1, values: ['summer'] },
    ]);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          component: 'button',
          index: 0,
          message: 'button 0 is a COPY_CODE button (sub_type copy_code), not url',
          expected: 'copy_code',
          received: 'url',
        },
        {
          component: 'button',
          index: 1,
          message: 'button 1 (URL) expects no values (its URL is static), got 1',
          expected: 0,
          received: 1,
        },
      ],
    });
  });
});

describe('authentication with a copy-code button (login_otp)', () => {
  const expected = [
    { type: 'body', parameters: [{ type: 'text', text: '482913' }] },
    { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '482913' }] },
  ];

  it('fills the button from the body code', () => {
    expect(buildTemplateComponents(otp, [{ type: 'body', values: ['482913'] }])).toEqual({
      ok: true,
      components: expected,
    });
  });

  it('accepts the code given in the button too, when it is the same', () => {
    const result = buildTemplateComponents(otp, [
      { type: 'body', values: ['482913'] },
      { type: 'button', index: 0, sub_type: 'url', values: ['482913'] },
    ]);
    expect(result).toEqual({ ok: true, components: expected });
  });

  it('rejects a different code in the button, a code over 15 characters and a currency code', () => {
    const different = buildTemplateComponents(otp, [
      { type: 'body', values: ['482913'] },
      { type: 'button', index: 0, values: ['111111'] },
    ]);
    expect(different).toEqual({
      ok: false,
      errors: [
        {
          component: 'button',
          index: 0,
          message: "button 0 (OTP) must carry the same code as the body's {{1}}; leave it out and Dak fills it",
          expected: '482913',
          received: '111111',
        },
      ],
    });
    expect(errorsOf(buildTemplateComponents(otp, [{ type: 'body', values: ['1234567890123456'] }]))).toEqual([
      'body {{1}} (the one-time code) is 16 characters; Meta allows at most 15',
    ]);
    const currency = buildTemplateComponents(otp, [
      {
        type: 'body',
        values: [{ type: 'currency', currency: { fallback_value: '₹1', code: 'INR', amount_1000: 1000 } }],
      },
    ]);
    expect(errorsOf(currency)).toEqual(['body {{1}} is the one-time code and must be text, got a currency parameter']);
  });

  it('reports only the body when the code is missing', () => {
    expect(errorsOf(buildTemplateComponents(otp, []))).toEqual(['body expects 1 value ({{1}}), got 0']);
  });
});

describe('several buttons at once (order_support)', () => {
  it('fills the URL suffix and the payloads, and leaves static URL and phone buttons out', () => {
    const result = buildTemplateComponents(support, [
      ...supportText,
      { type: 'button', index: 2, values: ['ORD-55120'] },
      { type: 'button', index: 1, values: ['PROBLEM_ORD-55120'] },
      { type: 'button', index: 0, values: ['LOVED_ORD-55120'] },
    ]);
    expect(result).toEqual({
      ok: true,
      components: [
        { type: 'header', parameters: [{ type: 'text', text: 'ORD-55120' }] },
        { type: 'body', parameters: [{ type: 'text', text: 'Sana' }] },
        {
          type: 'button',
          sub_type: 'quick_reply',
          index: '0',
          parameters: [{ type: 'payload', payload: 'LOVED_ORD-55120' }],
        },
        {
          type: 'button',
          sub_type: 'quick_reply',
          index: '1',
          parameters: [{ type: 'payload', payload: 'PROBLEM_ORD-55120' }],
        },
        { type: 'button', sub_type: 'url', index: '2', parameters: [{ type: 'text', text: 'ORD-55120' }] },
      ],
    });
  });

  it('reports every button at fault, and duplicated button entries', () => {
    const result = buildTemplateComponents(support, [
      ...supportText,
      { type: 'button', index: 1, values: ['A'] },
      { type: 'button', index: 1, values: ['B'] },
      { type: 'button', index: 4, values: ['+919820388810'] },
      { type: 'button', index: 7, values: ['x'] },
    ]);
    expect(errorsOf(result)).toEqual([
      'variables has more than one entry for button 1; give one',
      'button 7 does not exist; the template has buttons 0–4',
      'button 2 (URL) expects 1 value (the URL suffix), got 0',
      'button 4 (PHONE_NUMBER) expects no values, got 1',
    ]);
  });

  it('checks a sub_type against the button at that index', () => {
    const result = buildTemplateComponents(support, [
      ...supportText,
      { type: 'button', index: 0, sub_type: 'url', values: ['ORD-55120'] },
    ]);
    expect(errorsOf(result)).toEqual([
      'button 0 is a QUICK_REPLY button (sub_type quick_reply), not url',
      'button 2 (URL) expects 1 value (the URL suffix), got 0',
    ]);
  });
});

describe('flow button (feedback_survey)', () => {
  const body: SendVariable = { type: 'body', values: ['Rohan'] };

  it('needs no button component by default: Meta then uses the token "unused"', () => {
    expect(componentsOf(buildTemplateComponents(survey, [body]))).toEqual([
      { type: 'body', parameters: [{ type: 'text', text: 'Rohan' }] },
    ]);
  });

  it('sends a flow token when given', () => {
    const components = componentsOf(
      buildTemplateComponents(survey, [body, { type: 'button', index: 0, values: ['survey-msg-7731'] }]),
    );
    expect(components[1]).toEqual({
      type: 'button',
      sub_type: 'flow',
      index: '0',
      parameters: [{ type: 'action', action: { flow_token: 'survey-msg-7731' } }],
    });
  });
});

describe('a button type Dak does not fill', () => {
  it('says so instead of sending something Meta would refuse', () => {
    const catalog = {
      ...templateFixture('order_update'),
      components: [
        ...templateFixture('order_update').components,
        { type: 'BUTTONS', buttons: [{ type: 'CATALOG', text: 'View catalog' }] },
      ],
    } as unknown as Parameters<typeof buildTemplateComponents>[0];
    expect(errorsOf(buildTemplateComponents(catalog, [{ type: 'body', values: ['John', 'ORD-1'] }]))).toEqual([
      'button 0 (CATALOG) is a button type Dak cannot send',
    ]);
  });
});
