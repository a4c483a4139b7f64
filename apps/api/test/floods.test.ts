import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, MAX_LISTED_ISSUES } from '@dak/http';
import { orderUpdateRequest, startStack, waitFor, type TestStack } from '@dak/dev-env';

const SEND = '/api/whatsapp/v1/send-message';

// The attacks of issue 7's "Floods": large anonymous bodies, oversized variables, answers that
// list every issue, and deep JSON. Each ends with nothing stored.
describe('floods', () => {
  let stack: TestStack;
  let apiKey: string;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey } = await stack.seedDemo());
  });
  afterAll(() => stack?.close());

  const send = (body: unknown, headers: Record<string, string> = {}) =>
    stack.call('POST', SEND, { key: apiKey, body, headers });
  const messageCount = async () =>
    Number(
      (
        await stack.api.ctx.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("16 concurrent unauthenticated 4.9 MB POSTs are refused unread and do not slow a tenant's sends", async () => {
    const flood = fork(fileURLToPath(new URL('./fixtures/flood-client.mjs', import.meta.url)), [
      `${stack.api.url}${SEND}`,
      '16',
      String(4.9e6),
    ]);
    const messages: { started?: boolean; statuses?: Record<string, number> }[] = [];
    flood.on('message', (message) => messages.push(message as (typeof messages)[number]));
    try {
      await waitFor(() => messages.some((m) => m.started), { timeoutMs: 30_000, what: 'the first round of the flood' });
      const durations: number[] = [];
      for (let i = 0; i < 20; i += 1) {
        const started = performance.now();
        const response = await send(orderUpdateRequest());
        durations.push(performance.now() - started);
        expect(response.status, JSON.stringify(response.body)).toBe(200);
      }
      flood.send('stop');
      const { statuses } = await waitFor(() => messages.find((m) => m.statuses), {
        timeoutMs: 30_000,
        what: 'the flood to stop',
      });
      // Every flood request got its 401 (or its connection closed while it was still writing the
      // body the API never read), and the flood kept going while the tenant sent.
      expect(Object.keys(statuses!).filter((status) => status !== '401' && status !== 'closed')).toEqual([]);
      expect(statuses!['401']).toBeGreaterThanOrEqual(16);
      expect((statuses!['401'] ?? 0) + (statuses!.closed ?? 0)).toBeGreaterThanOrEqual(32);
      // Under this flood a send takes tens to a few hundred ms on a loaded 2-core machine; when
      // the API parsed the flood's bodies, 20 sends took more than 30 s (1.5 s each). The median,
      // so one send behind a garbage collection or a stalled core does not decide it.
      const median = [...durations].sort((a, b) => a - b)[durations.length / 2]!;
      expect(median, `send durations: ${durations.map(Math.round).join(', ')} ms`).toBeLessThan(1_000);
    } finally {
      flood.kill();
    }
    expect(await messageCount()).toBe(20);
  });

  it('the admin API checks its token before reading a body', async () => {
    const response = await fetch(`${stack.api.url}/admin/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(4_900_000), waba_id: '555000999222' }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_admin_token' } });
    const tooLarge = await stack.call('POST', '/admin/v1/accounts', {
      key: stack.adminToken,
      body: { name: 'x'.repeat(20_000), waba_id: '555000999222' },
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toMatchObject({
      code: 'body_too_large',
      message: expect.stringMatching(/at most 16 KB/),
    });
  });

  it('a send-message body over 64 KB → 413 naming the limit', async () => {
    const response = await send({ ...orderUpdateRequest(), client_reference: 'x'.repeat(70_000) });
    expect(response.status).toBe(413);
    expect(response.body.error).toMatchObject({
      code: 'body_too_large',
      message: expect.stringMatching(/is \d+ bytes; this endpoint takes at most 64 KB/),
    });
  });

  const body = (variables: unknown[]) => ({ ...orderUpdateRequest(), variables });
  it.each([
    [
      'a 61-character header value',
      body([{ type: 'header', values: ['h'.repeat(61)] }]),
      /variables\.0\.values\.0: must be at most 60 characters/,
    ],
    [
      'a 1025-character body value',
      body([{ type: 'body', values: ['b'.repeat(1025), 'ORD-1'] }]),
      /variables\.0\.values\.0: must be at most 1024 characters/,
    ],
    [
      'a 1025-character currency fallback',
      body([
        {
          type: 'body',
          values: [
            { type: 'currency', currency: { fallback_value: 'c'.repeat(1025), code: 'INR', amount_1000: 1 } },
            'x',
          ],
        },
      ]),
      /currency\.fallback_value: must be at most 1024 characters/,
    ],
    [
      'a 2001-character button value',
      body([{ type: 'button', index: 0, values: ['u'.repeat(2001)] }]),
      /variables\.0\.values\.0: must be at most 2000 characters/,
    ],
    [
      'a 2001-character media link',
      body([{ type: 'header', media: { type: 'image', link: `https://x.example/${'l'.repeat(1990)}` } }]),
      /media\.link: must be at most 2000 characters/,
    ],
    [
      'a 241-character filename',
      body([{ type: 'header', media: { type: 'document', id: '123', filename: `${'f'.repeat(237)}.pdf` } }]),
      /media\.filename: must be at most 240 characters/,
    ],
    [
      'a location with a long name and a latitude out of range',
      body([
        { type: 'header', location: { latitude: 91, longitude: 0, name: 'n'.repeat(1025), address: 'a'.repeat(1025) } },
      ]),
      /location\.latitude: must be between -90 and 90.*location\.name: must be at most 1024 characters.*location\.address: must be at most 1024 characters/,
    ],
    [
      '13 entries',
      body(Array.from({ length: 13 }, (_, index) => ({ type: 'button', index: index % 10, values: [] }))),
      /variables: must have at most 12 entries/,
    ],
    [
      '205 body values',
      body([{ type: 'body', values: Array.from({ length: 205 }, () => 'v') }]),
      /variables\.0\.values: must have at most 204 values/,
    ],
    [
      '205 named values',
      body([{ type: 'body', values: Object.fromEntries(Array.from({ length: 205 }, (_, i) => [`p${i}`, 'v'])) }]),
      /variables\.0\.values: must have at most 204 values/,
    ],
  ])('%s → 400 naming the limit', async (_what, request, message) => {
    const response = await send(request);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body.error.message).toMatch(message);
  });

  it(`a body with 25 issues → a 400 that lists ${MAX_LISTED_ISSUES} and says how many more`, async () => {
    const badCurrency = { type: 'currency', currency: { fallback_value: '₹1', code: 'inr', amount_1000: 1000 } };
    const response = await send(body([{ type: 'body', values: Array.from({ length: 25 }, () => badCurrency) }]));
    expect(response.status).toBe(400);
    expect(response.body.error.details.issues).toHaveLength(MAX_LISTED_ISSUES);
    expect(response.body.error.details.unlisted_issues).toBe(5);
    expect(response.body.error.message).toMatch(/; and 5 more issues not listed \(fix these and retry to see them\)$/);
    expect(response.body.error.message.match(/variables\.0\.values\.\d+\.currency\.code:/g)).toHaveLength(
      MAX_LISTED_ISSUES,
    );
  });

  const nested = (depth: number) => JSON.parse(`${'['.repeat(depth - 1)}{}${']'.repeat(depth - 1)}`);
  it.each([
    ['deep JSON', {}],
    ['deep JSON with an Idempotency-Key', { 'Idempotency-Key': 'deep-1' }],
  ])('%s → 400, not 500', async (_what, headers) => {
    // 20,000 levels fit in 40 KB; before the check, hashing them for the key overflowed the stack.
    const rawBody = `{"phone_number_id":"106540352242922","extra":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const response = await stack.call('POST', SEND, { key: apiKey, rawBody, headers });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'json_too_deep',
      message: expect.stringMatching(/more than 32 levels/),
    });
  });

  it(`${MAX_JSON_DEPTH} levels pass the depth check; ${MAX_JSON_DEPTH + 1} do not`, async () => {
    const atLimit = await send(
      { ...orderUpdateRequest(), extra: nested(MAX_JSON_DEPTH - 1) },
      { 'Idempotency-Key': 'deep-2' },
    );
    expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(200);
    const over = await send(
      { ...orderUpdateRequest(), extra: nested(MAX_JSON_DEPTH) },
      { 'Idempotency-Key': 'deep-3' },
    );
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe('json_too_deep');
  });

  it('stored nothing for any refused request', async () => {
    // The 20 sends of the flood test and the one at the depth limit.
    expect(await messageCount()).toBe(21);
  });
});
