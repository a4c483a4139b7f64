import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderUpdateRequest, startStack, type TestStack } from '@dak/dev-env';

// No input produces a 500: odd bodies, headers and paths all get a 4xx JSON error.
describe('odd input never gives a 500', () => {
  let stack: TestStack;
  let apiKey: string;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey } = await stack.seedDemo());
  });
  afterAll(() => stack?.close());

  const rawSend = (body: string, contentType = 'application/json') =>
    fetch(`${stack.api.url}/api/whatsapp/v1/send-message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': contentType },
      body,
    });

  it.each([
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"hello"'],
    ['a number', '42'],
    ['an operator object', '{"phone_number_id": {"$gt": ""}, "template_id": ["1"], "phone_number": 919820388810}'],
    [
      'variables of the wrong type',
      JSON.stringify({ ...orderUpdateRequest(), variables: [{ type: 'body', values: [{ nested: { deep: true } }] }] }),
    ],
    [
      'an unknown variables type',
      JSON.stringify({ ...orderUpdateRequest(), variables: [{ type: 'footer', values: ['x'] }] }),
    ],
    [
      'a 300-character client_reference',
      JSON.stringify({ ...orderUpdateRequest(), client_reference: 'x'.repeat(300) }),
    ],
    ['a fractional expires_in', JSON.stringify({ ...orderUpdateRequest(), expires_in: 1.5 })],
    ['a huge number', JSON.stringify({ ...orderUpdateRequest(), phone_number: '9'.repeat(400) })],
  ])('%s → 400', async (_what, body) => {
    const response = await rawSend(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      success: false,
      error: { code: expect.any(String), message: expect.any(String) },
    });
  });

  it('a body sent as text/plain is a 400 that names the missing fields', async () => {
    const response = await rawSend(JSON.stringify(orderUpdateRequest()), 'text/plain');
    expect(response.status).toBe(400);
  });

  it('a body over the size limit is a 413', async () => {
    const response = await rawSend(
      JSON.stringify({ ...orderUpdateRequest(), client_reference: 'x'.repeat(6 * 1024 * 1024) }),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'body_too_large' } });
  });

  it.each(['%E0%A4%A', '..%2F..%2Fetc', 'msg_' + 'z'.repeat(500), 'wamid.' + '%00'])(
    'a strange message id %j → 4xx',
    async (id) => {
      const response = await fetch(`${stack.api.url}/api/whatsapp/v1/message-status/${id}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await response.json()).toMatchObject({ success: false });
    },
  );

  it('an Authorization header that is not a bearer token → 401', async () => {
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b c', 'x'.repeat(5000)]) {
      const response = await fetch(`${stack.api.url}/api/whatsapp/v1/wallet`, { headers: { authorization } });
      expect(response.status, authorization.slice(0, 20)).toBe(401);
    }
  });

  it('an Idempotency-Key that is too long → 400', async () => {
    const response = await stack.call('POST', '/api/whatsapp/v1/send-message', {
      key: apiKey,
      body: orderUpdateRequest(),
      headers: { 'Idempotency-Key': 'k'.repeat(300) },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'invalid_idempotency_key' } });
  });

  it.each([
    ['a NUL in client_reference', { ...orderUpdateRequest(), client_reference: 'ref\u0000' }],
    [
      'a NUL in a body value',
      { ...orderUpdateRequest(), variables: [{ type: 'body', values: ['John\u0000', 'ORD-1'] }] },
    ],
  ])('%s → 4xx and nothing stored', async (_what, body) => {
    const response = await stack.call('POST', '/api/whatsapp/v1/send-message', { key: apiKey, body });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    // Every request in this file is refused, so no message may exist at all.
    expect(await stack.api.ctx.db.selectFrom('messages').select('id').execute()).toEqual([]);
  });
});
