import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '@dak/http';
import { orderUpdateRequest, startStack, waitFor, type TestStack } from '@dak/dev-env';
import { createApp } from '../src/app';
import { closeApiContext, createApiContext, type ApiContext } from '../src/context';

const WALLET = '/api/whatsapp/v1/wallet';
const SEND = '/api/whatsapp/v1/send-message';

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

describe('rate limits', () => {
  let stack: TestStack;
  let accountId: string;
  /** A second API process on the same database and Redis, as a second host would run it. */
  let second: RunningServer & { ctx: ApiContext };

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ accountId } = await stack.seedDemo());
    const ctx = createApiContext(stack.config);
    second = { ...(await listen(createApp(ctx), 0)), ctx };
  });
  afterAll(async () => {
    await second?.close();
    if (second) await closeApiContext(second.ctx);
    await stack?.close();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    stack.call(method, `/admin/v1${path}`, { key: stack.adminToken, ...(body !== undefined ? { body } : {}) });
  const newKey = async (requestsPerSecond?: number) => {
    const created = await admin('POST', `/accounts/${accountId}/api-keys`, {
      name: 'limited',
      ...(requestsPerSecond ? { requests_per_second: requestsPerSecond } : {}),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body as { id: string; key: string; requests_per_second: number };
  };
  const get = async (key: string, base = stack.api.url): Promise<Answer> => {
    const response = await fetch(`${base}${WALLET}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, body: await response.json(), headers: response.headers };
  };
  /**
   * The API keeps keys and their account in memory until Postgres announces a change; waits
   * until a request of `key` is counted against `limit` (probes refused meanwhile consume nothing).
   */
  const untilLimitIs = (key: string, limit: number) =>
    waitFor(async () => (await get(key)).headers.get('ratelimit-limit') === String(limit), {
      what: `the limit ${limit} to apply`,
    });
  const messageCount = async () =>
    Number(
      (
        await stack.api.ctx.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /**
   * At 1 request/s (a burst of one), a second request less than a second after the first must
   * be refused: Redis stamps both between their client-side start and end, so when the pair
   * took under a second from the first start to the second end, the limit alone decides. On a
   * machine too slow for that, the pair is tried again with a fresh key.
   */
  async function withinOneSecond<T>(pair: (key: { id: string; key: string }) => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const key = await newKey(1);
      const started = performance.now();
      const result = await pair(key);
      if (performance.now() - started < 1_000) return result;
    }
    throw new Error('five pairs of requests in a row took a second or more: the machine is too slow for this test');
  }

  it('a key past its limit gets 429 rate_limited with Retry-After and RateLimit headers', async () => {
    const key = await newKey();
    expect(key.requests_per_second).toBe(100);
    const first = await get(key.key);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-limit')).toBe('100');
    expect(first.headers.get('ratelimit-policy')).toBe('100;w=1');
    expect(Number(first.headers.get('ratelimit-remaining'))).toBeGreaterThanOrEqual(98);

    const [, refused] = await withinOneSecond(async ({ key }) => [await get(key), await get(key)] as const);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      success: false,
      error: {
        code: 'rate_limited',
        message: expect.stringMatching(
          /^Too many requests: this API key allows 1 requests per second\. Retry after 1 s/,
        ),
        details: { scope: 'key', requests_per_second: 1, retry_after_seconds: 1 },
      },
    });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit-limit')).toBe('1');
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(refused.headers.get('ratelimit-reset')).toBe('1');
    expect(refused.headers.get('ratelimit-policy')).toBe('1;w=1');
  });

  it('a burst of 100 passes at once, then 100 per second', async () => {
    const key = await newKey();
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 150 }, () => get(key.key)));
    const elapsedSeconds = (performance.now() - started) / 1000;
    const ok = answers.filter((a) => a.status === 200).length;
    expect(answers.filter((a) => a.status !== 200).map((a) => a.status)).toEqual(Array(150 - ok).fill(429));
    // Never less than the burst; never more than the burst plus what 100/s refilled meanwhile.
    expect(ok).toBeGreaterThanOrEqual(100);
    expect(ok).toBeLessThanOrEqual(100 + Math.ceil(100 * elapsedSeconds));
  });

  it('two API processes sharing Redis share one limit', async () => {
    const [onFirst, onSecond] = await withinOneSecond(
      async ({ key }) => [await get(key), await get(key, second.url)] as const,
    );
    expect(onFirst.status).toBe(200);
    expect(onSecond.status).toBe(429);
    const [onSecondFirst, onFirstThen] = await withinOneSecond(
      async ({ key }) => [await get(key, second.url), await get(key)] as const,
    );
    expect([onSecondFirst.status, onFirstThen.status]).toEqual([200, 429]);
  });

  it('a limit changed through the admin API applies from the next request', async () => {
    const key = await withinOneSecond(async (key) => {
      await get(key.key);
      expect((await get(key.key)).status).toBe(429);
      return key;
    });
    const patched = await admin('PATCH', `/api-keys/${key.id}`, { requests_per_second: 1000 });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ id: key.id, requests_per_second: 1000 });
    await untilLimitIs(key.key, 1000);
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(key.key)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers[0]!.headers.get('ratelimit-limit')).toBe('1000');

    expect((await admin('PATCH', `/api-keys/${key.id}`, { requests_per_second: 0 })).body.error.message).toMatch(
      /requests_per_second must be at least 1/,
    );
    expect((await admin('PATCH', `/api-keys/${key.id}`, {})).status).toBe(400);
    expect((await admin('PATCH', '/api-keys/key_missing', { requests_per_second: 5 })).status).toBe(404);
  });

  it('an account limit set by the operator covers all its keys together, and null removes it', async () => {
    const [a, b] = [await newKey(1000), await newKey(1000)];
    const limited = await admin('PATCH', `/accounts/${accountId}`, { requests_per_second: 1 });
    expect(limited.body.requests_per_second).toBe(1);
    try {
      await Promise.all([untilLimitIs(a.key, 1), untilLimitIs(b.key, 1)]);
      let refused: Answer | undefined;
      for (let attempt = 0; attempt < 5 && !refused; attempt += 1) {
        // Wait out the account's schedule so the pair starts with a full burst of one.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const started = performance.now();
        const [first, other] = [await get(a.key), await get(b.key)];
        if (performance.now() - started < 1_000) {
          expect(first.status).toBe(200);
          refused = other;
        }
      }
      expect(refused?.status).toBe(429);
      expect(refused?.body.error).toMatchObject({
        code: 'rate_limited',
        message: expect.stringMatching(/your account \(all its keys together\) allows 1 requests per second/),
        details: { scope: 'account' },
      });
    } finally {
      const cleared = await admin('PATCH', `/accounts/${accountId}`, { requests_per_second: null });
      expect(cleared.body.requests_per_second).toBeNull();
    }
    await Promise.all([untilLimitIs(a.key, 1000), untilLimitIs(b.key, 1000)]);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => get(i % 2 ? a.key : b.key)));
    expect(answers.map((x) => x.status)).toEqual(Array(10).fill(200));
  });

  it('a refused send stores nothing: no message, no hold, no idempotency record', async () => {
    const before = await messageCount();
    const walletBefore = await stack.admin.wallet(accountId);
    // Every accepted send, including those of pairs tried again on a slow machine.
    let accepted = 0;
    const { first, refused, idempotencyKey } = await withinOneSecond(async (key) => {
      const idempotencyKey = `limited-${key.id}`;
      const first = await stack.call('POST', SEND, { key: key.key, body: orderUpdateRequest() });
      const refused = await stack.call('POST', SEND, {
        key: key.key,
        body: orderUpdateRequest(),
        headers: { 'Idempotency-Key': idempotencyKey },
      });
      accepted += [first, refused].filter((answer) => answer.status === 200).length;
      return { first, refused, idempotencyKey };
    });
    expect(first.status).toBe(200);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await messageCount()).toBe(before + accepted);
    expect(
      await stack.api.ctx.db.selectFrom('idempotency_keys').select('key').where('key', '=', idempotencyKey).execute(),
    ).toEqual([]);
    const walletAfter = await stack.admin.wallet(accountId);
    expect(walletAfter.held).toBe((Number(walletBefore.held) + 0.1 * accepted).toFixed(2));
  });
});
