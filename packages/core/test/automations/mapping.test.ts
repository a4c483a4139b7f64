import { describe, expect, it } from 'vitest';
import { formatValue, jsonPathProblem, mapEvent, type AutomationMapping } from '../../src/automations';

describe('formatValue', () => {
  it.each([
    ['currency_minor', 123450, '1,234.50'],
    ['currency_minor', '19900', '199.00'],
    ['currency_minor', 5, '0.05'],
    ['currency_minor', -250, '-2.50'],
    ['currency', '199.00', '199.00'],
    ['currency', '1999.5', '1,999.50'],
    ['currency', 1234567.25, '1,234,567.25'],
    ['date', '2026-12-01T15:42:07+05:30', '1 Dec 2026'],
    ['date', '2026-03-09', '9 Mar 2026'],
    ['date', 1764547200, '1 Dec 2025'],
    ['first_word', '  Asha Devi ', 'Asha'],
    ['upper', 'ord-1', 'ORD-1'],
    ['lower', 'ORD-1', 'ord-1'],
  ] as const)('%s of %j is %j', (format, value, text) => {
    expect(formatValue(value, format)).toEqual({ ok: true, text });
  });

  it.each([
    ['currency_minor', '199.00'],
    ['currency_minor', 1.5],
    ['currency', 'a lot'],
    ['date', 'yesterday'],
    ['date', '2026-02-30'],
    ['first_word', '   '],
    ['upper', { a: 1 }],
  ] as const)('%s refuses %j', (format, value) => {
    expect(formatValue(value, format).ok).toBe(false);
  });
});

describe('jsonPathProblem', () => {
  it.each([
    '$.customer.first_name',
    "$['first name']",
    '$.line_items[0].title',
    '$.line_items[-1].sku',
    '$..phone',
    '$.a.*',
  ])('accepts %s', (path) => expect(jsonPathProblem(path)).toBeNull());
  it.each([
    ['customer.phone', 'start at the'],
    ['$.items[?(@.price > 1)]', 'filter or script'],
    ['$.items[(@.length-1)]', 'filter or script'],
    ['$.items[', 'not a JSONPath Dak accepts'],
    ['$.a b', 'not a JSONPath Dak accepts'],
  ])('refuses %s', (path, says) => expect(jsonPathProblem(path)).toContain(says));
});

describe('mapEvent', () => {
  const mapping: AutomationMapping = {
    recipient: ['$.customer.phone', '$.shipping_address.phone'],
    variables: [
      { type: 'header', values: ['Kirana Cart'] },
      {
        type: 'body',
        values: [
          { path: '$.customer.first_name', format: 'first_word', default: 'there' },
          '$.name',
          { path: '$.total_price', format: 'currency' },
          { value: '$.literal' },
          42,
        ],
      },
      { type: 'button', index: 0, values: ['$.id'] },
    ],
    condition: { path: '$.financial_status', in: ['paid', 'pending'] },
    dedupe: '$.id',
  };
  const order = {
    id: 1001,
    name: '#1001',
    financial_status: 'paid',
    total_price: '1999.00',
    customer: { first_name: null, phone: null },
    shipping_address: { phone: '+91 98203 88810' },
  };

  it('fills every value, falls back to the next recipient path and to defaults', () => {
    expect(mapEvent(mapping, order)).toEqual({
      ok: true,
      mapped: {
        recipient: '+91 98203 88810',
        dedupeValue: '1001',
        variables: [
          { type: 'header', values: ['Kirana Cart'] },
          { type: 'body', values: ['there', '#1001', '1,999.00', '$.literal', 42] },
          { type: 'button', index: 0, values: ['1001'] },
        ],
      },
    });
  });

  it('says which condition failed before looking for missing fields', () => {
    const result = mapEvent(mapping, { financial_status: 'refunded' });
    expect(result).toEqual({
      ok: false,
      failure: { reason: 'condition_false', message: expect.stringContaining('$.financial_status is one of') },
    });
  });

  it('names the missing or unusable field', () => {
    expect(mapEvent(mapping, { ...order, shipping_address: {} })).toMatchObject({
      ok: false,
      failure: { reason: 'field_missing', path: '$.customer.phone or $.shipping_address.phone' },
    });
    expect(mapEvent(mapping, { ...order, name: { full: 'x' } })).toMatchObject({
      ok: false,
      failure: { reason: 'field_invalid', path: '$.name' },
    });
    expect(mapEvent(mapping, { ...order, total_price: 'lots' })).toMatchObject({
      ok: false,
      failure: { reason: 'field_invalid', path: '$.total_price' },
    });
    expect(mapEvent(mapping, { ...order, id: undefined })).toMatchObject({
      ok: false,
      failure: { reason: 'field_missing', path: '$.id' },
    });
  });

  it('compares condition values as text, and checks existence', () => {
    const exists: AutomationMapping = { ...mapping, condition: { path: '$.customer.phone', exists: true } };
    expect(mapEvent(exists, order)).toMatchObject({ ok: false, failure: { reason: 'condition_false' } });
    const equals: AutomationMapping = { ...mapping, condition: { path: '$.id', equals: '1001' } };
    expect(mapEvent(equals, order).ok).toBe(true);
  });
});
