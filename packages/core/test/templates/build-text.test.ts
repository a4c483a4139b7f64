import { describe, expect, it } from 'vitest';
import { buildTemplateComponents, type SendVariable } from '../../src/templates';
import { templateFixture } from '@dak/dev-env/template-fixtures';
import { errorsOf } from './build-result';

const orderUpdate = templateFixture('order_update');
const appointment = templateFixture('appointment_reminder');
const festive = templateFixture('festive_offer');
const paymentDue = templateFixture('payment_due');
const welcome = templateFixture('welcome_message');

describe('positional body (order_update)', () => {
  it('builds the body component Meta expects', () => {
    const result = buildTemplateComponents(orderUpdate, [{ type: 'body', values: ['John Doe', 'ORD-12345'] }]);
    expect(result).toEqual({
      ok: true,
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'John Doe' },
            { type: 'text', text: 'ORD-12345' },
          ],
        },
      ],
    });
  });

  it('names the missing placeholder when a value is missing', () => {
    const result = buildTemplateComponents(orderUpdate, [{ type: 'body', values: ['John Doe'] }]);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          component: 'body',
          placeholder: '{{2}}',
          message: 'body expects 2 values ({{1}}, {{2}}), got 1',
          expected: ['{{1}}', '{{2}}'],
          received: 1,
        },
      ],
    });
  });

  it('rejects extra values, a missing body entry and named values', () => {
    expect(errorsOf(buildTemplateComponents(orderUpdate, [{ type: 'body', values: ['a', 'b', 'c'] }]))).toEqual([
      'body expects 2 values ({{1}}, {{2}}), got 3',
    ]);
    expect(errorsOf(buildTemplateComponents(orderUpdate, []))).toEqual(['body expects 2 values ({{1}}, {{2}}), got 0']);
    expect(
      errorsOf(buildTemplateComponents(orderUpdate, [{ type: 'body', values: { name: 'John', order: 'ORD-1' } }])),
    ).toEqual(['body expects a list of 2 values ({{1}}, {{2}}), got named values']);
  });

  it('rejects empty values and the whitespace Meta refuses, naming each placeholder', () => {
    expect(errorsOf(buildTemplateComponents(orderUpdate, [{ type: 'body', values: ['', '  '] }]))).toEqual([
      'body {{1}} is empty',
      'body {{2}} is empty',
    ]);
    expect(
      errorsOf(buildTemplateComponents(orderUpdate, [{ type: 'body', values: ['John\nDoe', 'ORD      1'] }])),
    ).toEqual([
      'body {{1}} must not contain newlines, tabs or more than 4 consecutive spaces (Meta refuses them)',
      'body {{2}} must not contain newlines, tabs or more than 4 consecutive spaces (Meta refuses them)',
    ]);
  });

  it('rejects a body longer than 1024 characters once filled', () => {
    const result = buildTemplateComponents(orderUpdate, [{ type: 'body', values: ['J'.repeat(1000), 'ORD-1'] }]);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          component: 'body',
          message: 'body is 1036 characters once filled; Meta allows at most 1024',
          expected: 1024,
          received: 1036,
        },
      ],
    });
  });

  it('rejects a header or buttons the template does not have', () => {
    const variables: SendVariable[] = [
      { type: 'header', values: ['x'] },
      { type: 'body', values: ['John', 'ORD-1'] },
      { type: 'button', index: 0, values: ['x'] },
    ];
    expect(errorsOf(buildTemplateComponents(orderUpdate, variables))).toEqual([
      'the template has no header; remove the header entry',
      'button 0 does not exist; the template has no buttons',
    ]);
  });

  it('reports duplicated entries once each', () => {
    const variables: SendVariable[] = [
      { type: 'body', values: ['John', 'ORD-1'] },
      { type: 'body', values: ['Jane', 'ORD-2'] },
      { type: 'body', values: ['Jim', 'ORD-3'] },
    ];
    expect(buildTemplateComponents(orderUpdate, variables)).toEqual({
      ok: false,
      errors: [{ component: 'variables', index: 1, message: 'variables has more than one body entry; give one' }],
    });
  });
});

describe('text header with a placeholder (appointment_reminder)', () => {
  const body: SendVariable = { type: 'body', values: ['Priya', 'Dr. Mehta', '4:30 PM'] };

  it('builds header and body', () => {
    const result = buildTemplateComponents(appointment, [{ type: 'header', values: ['12 March'] }, body]);
    expect(result).toEqual({
      ok: true,
      components: [
        { type: 'header', parameters: [{ type: 'text', text: '12 March' }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Priya' },
            { type: 'text', text: 'Dr. Mehta' },
            { type: 'text', text: '4:30 PM' },
          ],
        },
      ],
    });
  });

  it('requires the header value', () => {
    expect(errorsOf(buildTemplateComponents(appointment, [body]))).toEqual(['header expects 1 value ({{1}}), got 0']);
  });

  it('rejects media for a text header', () => {
    const result = buildTemplateComponents(appointment, [
      { type: 'header', media: { type: 'image', link: 'https://cdn.example.com/a.jpg' } },
      body,
    ]);
    expect(errorsOf(result)).toEqual(['header expects 1 value ({{1}}), got an image']);
  });

  it('rejects a header longer than 60 characters once filled', () => {
    const result = buildTemplateComponents(appointment, [{ type: 'header', values: ['x'.repeat(46)] }, body]);
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          component: 'header',
          placeholder: '{{1}}',
          message: 'header is 61 characters once filled; Meta allows at most 60',
          expected: 60,
          received: 61,
        },
      ],
    });
  });

  it('collects header and body errors together', () => {
    const result = buildTemplateComponents(appointment, [
      { type: 'header', values: [''] },
      { type: 'body', values: ['Priya'] },
    ]);
    expect(errorsOf(result)).toEqual(['header {{1}} is empty', 'body expects 3 values ({{1}}, {{2}}, {{3}}), got 1']);
  });
});

describe('named parameters (festive_offer)', () => {
  const header: SendVariable = { type: 'header', values: { sale_name: 'Diwali Sale' } };
  const body: SendVariable = {
    type: 'body',
    values: { valid_until: '2 November', first_name: 'Meera', discount: '30%' },
  };

  it('builds named header and body parameters in template order', () => {
    expect(buildTemplateComponents(festive, [header, body])).toEqual({
      ok: true,
      components: [
        { type: 'header', parameters: [{ type: 'text', parameter_name: 'sale_name', text: 'Diwali Sale' }] },
        {
          type: 'body',
          parameters: [
            { type: 'text', parameter_name: 'first_name', text: 'Meera' },
            { type: 'text', parameter_name: 'discount', text: '30%' },
            { type: 'text', parameter_name: 'valid_until', text: '2 November' },
          ],
        },
      ],
    });
  });

  it('names each missing and unknown placeholder', () => {
    const result = buildTemplateComponents(festive, [
      header,
      { type: 'body', values: { first_name: 'Meera', percent: '30%' } },
    ]);
    expect(result).toEqual({
      ok: false,
      errors: [
        { component: 'body', placeholder: '{{discount}}', message: 'body is missing {{discount}}' },
        { component: 'body', placeholder: '{{valid_until}}', message: 'body is missing {{valid_until}}' },
        {
          component: 'body',
          placeholder: '{{percent}}',
          message:
            'body has no placeholder {{percent}}; its placeholders are {{first_name}}, {{discount}}, {{valid_until}}',
          expected: ['first_name', 'discount', 'valid_until'],
          received: 'percent',
        },
      ],
    });
  });

  it('rejects a list for a NAMED template and a missing named header', () => {
    expect(
      errorsOf(buildTemplateComponents(festive, [{ type: 'body', values: ['Meera', '30%', '2 November'] }])),
    ).toEqual([
      'header is missing {{sale_name}}',
      'body expects named values as an object ({{first_name}}, {{discount}}, {{valid_until}}), got a list',
    ]);
  });
});

describe('currency and date_time (payment_due)', () => {
  it("passes Meta's own parameter shapes through", () => {
    const result = buildTemplateComponents(paymentDue, [
      {
        type: 'body',
        values: [
          'Kabir',
          { type: 'currency', currency: { fallback_value: '₹1,299.00', code: 'INR', amount_1000: 1_299_000 } },
          { type: 'date_time', date_time: { fallback_value: '5 April 2026' } },
        ],
      },
    ]);
    expect(result).toEqual({
      ok: true,
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Kabir' },
            { type: 'currency', currency: { fallback_value: '₹1,299.00', code: 'INR', amount_1000: 1_299_000 } },
            { type: 'date_time', date_time: { fallback_value: '5 April 2026' } },
          ],
        },
      ],
    });
  });

  it('rejects an empty fallback_value', () => {
    const result = buildTemplateComponents(paymentDue, [
      {
        type: 'body',
        values: [
          'Kabir',
          { type: 'currency', currency: { fallback_value: '', code: 'INR', amount_1000: 1_299_000 } },
          { type: 'date_time', date_time: { fallback_value: ' ' } },
        ],
      },
    ]);
    expect(errorsOf(result)).toEqual([
      'body {{2}} currency fallback_value is empty',
      'body {{3}} date_time fallback_value is empty',
    ]);
  });
});

describe('no placeholders (welcome_message)', () => {
  it('needs no components at all', () => {
    expect(buildTemplateComponents(welcome, [])).toEqual({ ok: true, components: [] });
    expect(buildTemplateComponents(welcome, [{ type: 'body', values: [] }])).toEqual({ ok: true, components: [] });
  });

  it('rejects values for static text', () => {
    const result = buildTemplateComponents(welcome, [
      { type: 'header', values: ['Hi'] },
      { type: 'body', values: ['x'] },
      { type: 'button', index: 0, values: ['x'] },
    ]);
    expect(errorsOf(result)).toEqual([
      'header expects no values (its text has no placeholders), got 1',
      'body expects no values (its text has no placeholders), got 1',
      'button 0 (URL) expects no values (its URL is static), got 1',
    ]);
  });
});
