import { describe, expect, it } from 'vitest';
import {
  BODY_PARAMETER_MAX,
  HEADER_PARAMETER_MAX,
  MEDIA_LINK_MAX,
  VALUES_PER_ENTRY_MAX,
  VARIABLE_ENTRIES_MAX,
  parseSendVariables,
  sendVariablesSchema,
} from '../../src/templates';

function messagesOf(input: unknown): string[] {
  const result = parseSendVariables(input);
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.variables)}`);
  return result.errors.map((e) => e.message);
}

describe('sendVariablesSchema', () => {
  it('takes the shapes of SPEC.md, turning numbers into text and string indexes into numbers', () => {
    const parsed = sendVariablesSchema.parse([
      { type: 'header', media: { type: 'document', link: 'https://x.in/a.pdf', filename: 'a.pdf' } },
      {
        type: 'body',
        values: [
          'John',
          12345,
          { type: 'currency', currency: { fallback_value: '₹10', code: 'INR', amount_1000: 10_000 } },
          { type: 'date_time', date_time: { fallback_value: 'March 3, 2026' } },
        ],
      },
      { type: 'button', index: '1', values: ['ORD-1'] },
      { type: 'button', index: 2, sub_type: 'quick_reply', values: [] },
    ]);
    expect(parsed).toEqual([
      { type: 'header', media: { type: 'document', link: 'https://x.in/a.pdf', filename: 'a.pdf' } },
      {
        type: 'body',
        values: [
          'John',
          '12345',
          { type: 'currency', currency: { fallback_value: '₹10', code: 'INR', amount_1000: 10_000 } },
          { type: 'date_time', date_time: { fallback_value: 'March 3, 2026' } },
        ],
      },
      { type: 'button', index: 1, values: ['ORD-1'] },
      { type: 'button', index: 2, sub_type: 'quick_reply', values: [] },
    ]);
  });

  it('takes named values and a location given as numeric strings', () => {
    expect(
      sendVariablesSchema.parse([
        { type: 'header', location: { latitude: '19.0728', longitude: '72.8826', name: 'Kurla' } },
        { type: 'body', values: { first_name: 'Meera', order_2: 'ORD-1' } },
      ]),
    ).toEqual([
      { type: 'header', location: { latitude: 19.0728, longitude: 72.8826, name: 'Kurla' } },
      { type: 'body', values: { first_name: 'Meera', order_2: 'ORD-1' } },
    ]);
  });
});

describe('parseSendVariables', () => {
  it('passes valid variables through', () => {
    expect(parseSendVariables([{ type: 'body', values: ['a'] }])).toEqual({
      ok: true,
      variables: [{ type: 'body', values: ['a'] }],
    });
  });

  it('names the entry of an unknown type', () => {
    expect(
      parseSendVariables([
        { type: 'body', values: [] },
        { type: 'footer', values: ['x'] },
      ]),
    ).toEqual({
      ok: false,
      errors: [
        { component: 'variables', index: 1, message: 'variables[1].type: type must be "header", "body" or "button"' },
      ],
    });
  });

  it('finds the field at fault inside a currency parameter', () => {
    expect(
      messagesOf([
        {
          type: 'body',
          values: ['a', { type: 'currency', currency: { fallback_value: '₹1', code: 'inr', amount_1000: 1.5 } }],
        },
      ]),
    ).toEqual([
      'variables[0].values[1].currency.code: must be an ISO 4217 code in capitals, such as "INR"',
      'variables[0].values[1].currency.amount_1000: must be an integer: the amount multiplied by 1000',
    ]);
    expect(messagesOf([{ type: 'body', values: { first_name: { type: 'date_time', date_time: {} } } }])).toEqual([
      'variables[0].values.first_name.date_time.fallback_value: must be a string',
    ]);
  });

  it('says what a value may be', () => {
    expect(messagesOf([{ type: 'body', values: [true] }])).toEqual([
      "variables[0].values[0]: must be a string, a number, or a currency / date_time parameter in Meta's shape",
    ]);
    expect(messagesOf([{ type: 'body', values: 'John' }])).toEqual([
      'variables[0].values: must be a list of values (positional templates) or an object of named values (NAMED templates)',
    ]);
    expect(messagesOf([{ type: 'body', values: { 'First Name': 'x' } }])).toEqual([
      'variables[0].values.First Name: must be a placeholder name: lowercase letters, digits and underscores',
    ]);
    expect(messagesOf([{ type: 'body', values: [{ type: 'money', money: 1 }] }])).toEqual([
      'variables[0].values[0].type: must have type "currency" or "date_time"',
    ]);
  });

  it('checks header entries carry exactly one of values, media or location', () => {
    expect(messagesOf([{ type: 'header' }])).toEqual([
      'variables[0]: a header entry takes exactly one of values, media or location',
    ]);
    expect(
      messagesOf([{ type: 'header', values: ['x'], media: { type: 'image', link: 'https://x.in/a.jpg' } }]),
    ).toEqual(['variables[0]: a header entry takes exactly one of values, media or location']);
    expect(messagesOf([{ type: 'header', media: { type: 'audio', link: 'https://x.in/a.mp3' } }])).toEqual([
      'variables[0].media.type: must be "image", "video" or "document"',
    ]);
    expect(messagesOf([{ type: 'header', location: { latitude: 91, longitude: 'east' } }])).toEqual([
      'variables[0].location.latitude: must be between -90 and 90',
      'variables[0].location.longitude: must be a number',
    ]);
  });

  it('checks button indexes and unknown keys', () => {
    expect(messagesOf([{ type: 'button', index: '12', values: [] }])).toEqual([
      'variables[0].index: must be a button index from 0 to 9',
    ]);
    expect(messagesOf([{ type: 'button', index: -1, values: [] }])).toEqual([
      'variables[0].index: must be a button index from 0 to 9',
    ]);
    expect(messagesOf([{ type: 'button', index: 0, sub_type: 'otp', values: [] }])).toEqual([
      'variables[0].sub_type: must be "url", "quick_reply", "copy_code", "flow" or "phone_number"',
    ]);
    expect(messagesOf([{ type: 'body', value: ['x'] }])).toEqual([
      'variables[0].values: must be a list of values (positional templates) or an object of named values (NAMED templates)',
      'variables[0]: Unrecognized key: "value"',
    ]);
    expect(messagesOf({ type: 'body' })).toEqual(['variables: must be an array of header, body and button entries']);
  });

  it("caps every string at Meta's limits and the counts, saying the limit", () => {
    // Exactly at each limit is accepted.
    expect(
      parseSendVariables([
        { type: 'header', values: ['h'.repeat(HEADER_PARAMETER_MAX)] },
        { type: 'body', values: ['b'.repeat(BODY_PARAMETER_MAX), ...Array(VALUES_PER_ENTRY_MAX - 1).fill('v')] },
      ]).ok,
    ).toBe(true);
    expect(messagesOf([{ type: 'header', values: ['h'.repeat(HEADER_PARAMETER_MAX + 1)] }])).toEqual([
      "variables[0].values[0]: must be at most 60 characters (Meta's limit for a header parameter)",
    ]);
    expect(messagesOf([{ type: 'header', media: { type: 'image', link: 'l'.repeat(MEDIA_LINK_MAX + 1) } }])).toEqual([
      'variables[0].media.link: must be at most 2000 characters (the longest media URL Dak passes to Meta)',
    ]);
    expect(messagesOf([{ type: 'body', values: Array(VALUES_PER_ENTRY_MAX + 1).fill('v') }])).toEqual([
      'variables[0].values: must have at most 204 values (a body of 1024 characters holds no more placeholders)',
    ]);
    expect(messagesOf(Array(VARIABLE_ENTRIES_MAX + 1).fill({ type: 'button', index: 0, values: [] }))).toEqual([
      'variables: must have at most 12 entries (one header, one body and up to 10 buttons)',
    ]);
  });
});
