import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiContext, createApp, closeApiContext } from '@dak/api';
import { listen } from '@dak/http';
import {
  seedFinishedCallbacks,
  startCallbackReceiver,
  startStack,
  type CallbackReceiver,
  type TestStack,
} from '@dak/dev-env';

// The callbacks API on a real stack: registration checks (422 with the reason), the secret shown
// once, isolation between accounts (404), the admin twin and the CLI over the same service.
describe('callbacks API', () => {
  let stack: TestStack;
  let receiver: CallbackReceiver;
  let keyA: string;
  let keyB: string;
  let accountA: string;
  const callA = (method: string, path: string, body?: unknown) =>
    stack.call(method, `/api/whatsapp/v1${path}`, { key: keyA, ...(body !== undefined ? { body } : {}) });
  const callB = (method: string, path: string, body?: unknown) =>
    stack.call(method, `/api/whatsapp/v1${path}`, { key: keyB, ...(body !== undefined ? { body } : {}) });

  beforeAll(async () => {
    stack = await startStack({ worker: false, env: { CALLBACK_TIMEOUT_MS: '500' } });
    ({ apiKey: keyA, accountId: accountA } = await stack.seedDemo());
    const other = await stack.admin.createAccount({ name: 'Other', waba_id: '900000000000001' });
    keyB = (await stack.admin.createApiKey(other.id, { name: 'b' })).key;
    receiver = await startCallbackReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  it('registers an endpoint after a signed test POST, shows its secret once, and lists it without', async () => {
    const created = await callA('POST', '/callbacks', {
      url: receiver.url,
      events: ['message.status', 'message.inbound', 'message.status'],
      description: 'orders',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^cbk_/),
      url: receiver.url,
      events: ['message.status', 'message.inbound'],
      description: 'orders',
      enabled: true,
      disabled_reason: null,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{32}$/),
      created_at: expect.any(String),
    });
    const ping = receiver.received.at(-1)!;
    expect(ping.json).toMatchObject({ type: 'callback.test', data: { callback_id: created.body.id } });
    expect(ping.headers['x-dak-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);

    const listed = await callA('GET', '/callbacks');
    expect(listed.body.callbacks.map((c: any) => c.id)).toContain(created.body.id);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
    const stored = await stack.api.ctx.db
      .selectFrom('callback_endpoints')
      .select('secret_encrypted')
      .where('id', '=', created.body.id)
      .executeTakeFirstOrThrow();
    expect(stored.secret_encrypted).not.toContain(created.body.secret);
  });

  it('refuses URLs that are not http(s) or do not answer, with the reason (422)', async () => {
    const refused = async (url: string, code: string, reason: RegExp) => {
      const answer = await callA('POST', '/callbacks', { url, events: ['message.status'] });
      expect(answer.status, `${url}: ${JSON.stringify(answer.body)}`).toBe(422);
      expect(answer.body.error.code).toBe(code);
      expect(answer.body.error.message).toMatch(reason);
    };
    await refused('ftp://example.com/hook', 'callback_url_refused', /scheme is ftp, not http or https/);
    await refused('https://user:pw@example.com/hook', 'callback_url_refused', /credentials/);
    const closed = await startCallbackReceiver();
    await closed.close();
    await refused(closed.url, 'callback_unreachable', /connection to 127\.0\.0\.1:\d+ refused/);
    await refused('http://dak-test.invalid/hook', 'callback_unreachable', /DNS lookup of dak-test\.invalid failed/);
    const silent = await startCallbackReceiver();
    silent.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 2_000));
    await refused(silent.url, 'callback_unreachable', /no answer within 500 ms/);
    await silent.close();
    // Any HTTP answer proves the URL reachable, even an error status.
    const grumpy = await startCallbackReceiver();
    grumpy.respond = () => 404;
    expect((await callA('POST', '/callbacks', { url: grumpy.url, events: ['template.status'] })).status).toBe(201);
    await grumpy.close();
    // Malformed input is a 400 naming the field.
    const bad = await callA('POST', '/callbacks', { url: 'not a url', events: ['message.sent'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(JSON.stringify(bad.body.error.details)).toMatch(/url/);
    expect(JSON.stringify(bad.body.error.details)).toMatch(/events/);
  });

  it('refuses private and loopback URLs when private URLs are not allowed (production)', async () => {
    const ctx = createApiContext({
      ...stack.config,
      env: 'production',
      callbacks: { ...stack.config.callbacks, allowPrivateUrls: false },
    });
    const server = await listen(createApp(ctx), 0);
    try {
      const port = new URL(receiver.url).port;
      const before = receiver.received.length;
      for (const [url, reason] of [
        [`http://127.0.0.1:${port}/dak/events`, /127\.0\.0\.1 is a loopback address/],
        [`http://[::1]:${port}/dak/events`, /::1 is a loopback address/],
        // IPv6 forms that embed a loopback or private IPv4 address are judged by it.
        [`http://[::127.0.0.1]:${port}/dak/events`, /::7f00:1 is a loopback address \(it stands for 127\.0\.0\.1\)/],
        [
          `http://[::ffff:7f00:1]:${port}/dak/events`,
          /::ffff:7f00:1 is a loopback address \(it stands for 127\.0\.0\.1\)/,
        ],
        ['https://[64:ff9b::10.0.0.8]/hook', /64:ff9b::a00:8 is a private address \(it stands for 10\.0\.0\.8\)/],
        ['https://10.0.0.8/hook', /10\.0\.0\.8 is a private address/],
        ['https://169.254.169.254/latest', /169\.254\.169\.254 is a linkLocal address/],
        [`https://localhost:${port}/dak/events`, /localhost resolves to .*, a loopback address/],
        ['http://example.com/hook', /must use https in production/],
      ] as const) {
        const response = await fetch(`${server.url}/api/whatsapp/v1/callbacks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url, events: ['message.status'] }),
        });
        const body = (await response.json()) as any;
        expect(response.status, url).toBe(422);
        expect(body.error.code, url).toBe('callback_url_refused');
        expect(body.error.message, url).toMatch(reason);
      }
      expect(receiver.received.length).toBe(before);
    } finally {
      await server.close();
      await closeApiContext(ctx);
    }
  });

  it("answers 404 for another account's endpoint on every route, and changes nothing", async () => {
    const mine = (await callA('POST', '/callbacks', { url: receiver.url, events: ['message.status'] })).body;
    const id = mine.id;
    for (const [method, path, body] of [
      ['GET', `/callbacks/${id}`],
      ['PATCH', `/callbacks/${id}`, { enabled: false }],
      ['DELETE', `/callbacks/${id}`],
      ['POST', `/callbacks/${id}/rotate-secret`],
      ['GET', `/callbacks/${id}/deliveries`],
      ['POST', `/callbacks/${id}/replay`, { since: '2026-01-01T00:00:00Z' }],
    ] as const) {
      const answer = await callB(method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error.code).toBe('callback_not_found');
    }
    expect((await callB('GET', '/callbacks')).body.callbacks).toEqual([]);
    const still = await callA('GET', `/callbacks/${id}`);
    expect(still.body).toMatchObject({ id, enabled: true, previous_secret_expires_at: null });
  });

  it('updates, disables, rotates and deletes; a new URL must answer the ping too', async () => {
    const { id } = (await callA('POST', '/callbacks', { url: receiver.url, events: ['message.status'] })).body;
    const updated = await callA('PATCH', `/callbacks/${id}`, {
      events: ['template.status'],
      description: null,
      enabled: false,
    });
    expect(updated.body).toMatchObject({ events: ['template.status'], description: null, enabled: false });
    const replayWhileDisabled = await callA('POST', `/callbacks/${id}/replay`, { since: '2026-01-01T00:00:00Z' });
    expect(replayWhileDisabled.status).toBe(422);
    expect(replayWhileDisabled.body.error.code).toBe('callback_disabled');
    const closed = await startCallbackReceiver();
    await closed.close();
    const moved = await callA('PATCH', `/callbacks/${id}`, { url: closed.url });
    expect(moved.status).toBe(422);
    expect(moved.body.error.code).toBe('callback_unreachable');
    expect((await callA('PATCH', `/callbacks/${id}`, {})).status).toBe(400);
    const badRange = await callA('POST', `/callbacks/${id}/replay`, {
      since: '2026-02-01T00:00:00Z',
      until: '2026-01-01T00:00:00Z',
    });
    expect(badRange.status).toBe(400);
    await callA('PATCH', `/callbacks/${id}`, { enabled: true });
    for (const after of ['not-a-cursor', Buffer.from('999999999').toString('base64url')]) {
      const badCursor = await callA('POST', `/callbacks/${id}/replay`, { since: '2026-01-01T00:00:00Z', after });
      expect(badCursor.status, after).toBe(400);
      expect(badCursor.body.error.message).toMatch(/after: not a replay cursor.*pass next_after/);
    }
    expect((await callA('DELETE', `/callbacks/${id}`)).body).toEqual({ success: true, id, deleted: true });
    expect((await callA('GET', `/callbacks/${id}`)).status).toBe(404);
  });

  it('limits an account to 10 endpoints', async () => {
    await stack.api.ctx.db.deleteFrom('callback_endpoints').execute();
    for (let i = 0; i < 10; i++) {
      expect((await callA('POST', '/callbacks', { url: receiver.url, events: ['message.status'] })).status).toBe(201);
    }
    const eleventh = await callA('POST', '/callbacks', { url: receiver.url, events: ['message.status'] });
    expect(eleventh.status).toBe(422);
    expect(eleventh.body.error.code).toBe('too_many_callbacks');
    await stack.api.ctx.db.deleteFrom('callback_endpoints').execute();
  });

  it('holds the limit of 10 under concurrent creates: exactly 10 are registered, the rest are 422', async () => {
    await stack.api.ctx.db.deleteFrom('callback_endpoints').execute();
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => callA('POST', '/callbacks', { url: receiver.url, events: ['message.status'] })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.map((a) => [a.status, a.body.error.code])).toEqual(Array(5).fill([422, 'too_many_callbacks']));
    expect(refused[0]!.body.error.message).toMatch(/has 10 callback endpoints, the most it may have\. Delete one/);
    const stored = await stack.api.ctx.db
      .selectFrom('callback_endpoints')
      .select('id')
      .where('account_id', '=', accountA)
      .execute();
    expect(stored).toHaveLength(10);
    await stack.api.ctx.db.deleteFrom('callback_endpoints').execute();
  });

  it('offers the same through the admin API (the CLI: packages/cli/test/cli-callbacks.test.ts)', async () => {
    const created = await stack.admin.createCallback(accountA, { url: receiver.url, events: ['wallet.low_balance'] });
    expect(created.secret).toMatch(/^whsec_/);
    const publicView = await callA('GET', `/callbacks/${created.id}`);
    expect(publicView.body).toMatchObject({ id: created.id, events: ['wallet.low_balance'] });
    await expect(stack.admin.getCallback('acc_unknown', created.id)).rejects.toMatchObject({ status: 404 });
    const other = (await stack.admin.listAccounts()).accounts.find((a) => a.waba_id === '900000000000001')!;
    await expect(stack.admin.getCallback(other.id, created.id)).rejects.toMatchObject({ status: 404 });
  });
  it('replays a range of more than 1,000 deliveries in pages: `more` and `next_after` lead to the rest', async () => {
    const created = await callA('POST', '/callbacks', { url: receiver.url, events: ['message.status'] });
    const id = created.body.id as string;
    const db = stack.api.ctx.db;
    // 1,001 finished deliveries made in one statement, so they share one created_at.
    const { finish } = await seedFinishedCallbacks(db, accountA, id, 1_001);
    const since = new Date(Date.now() - 60_000).toISOString();

    const first = await callA('POST', `/callbacks/${id}/replay`, { since });
    expect(first.body).toMatchObject({ success: true, requeued: 1_000, more: true });
    expect(first.body.next_after).toEqual(expect.any(String));
    // Events keep coming while the caller pages: the range still ends where the first page's did.
    await seedFinishedCallbacks(db, accountA, id, 3);
    await finish();
    const after = first.body.next_after;
    const otherEnd = await callA('POST', `/callbacks/${id}/replay`, { since, until: new Date().toISOString(), after });
    expect(otherEnd.status).toBe(400);
    expect(otherEnd.body.error.message).toMatch(
      /after: the range this cursor continues ends at .*: send that until, or none/,
    );
    const outOfRange = Buffer.from('0000-01-01T00:00:00.000000Z|1|2026-01-01T00:00:00.000Z').toString('base64url');
    for (const garbled of ['bm9wZQ', outOfRange]) {
      const refused = await callA('POST', `/callbacks/${id}/replay`, { since, after: garbled });
      expect(refused.status, garbled).toBe(400);
      expect(refused.body.error.details.issues[0].path).toBe('after');
    }

    const rest = await callA('POST', `/callbacks/${id}/replay`, { since, after });
    expect(rest.body).toEqual({ success: true, requeued: 1, more: false, next_after: null });
    // Every delivery was taken once: the second page was the one the first left.
    const replays = await db
      .selectFrom('callback_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('endpoint_id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    expect(Number(replays.n)).toBe(1);
    await db.deleteFrom('callback_endpoints').where('account_id', '=', accountA).execute();
  });

  it('a replay that names neither an event nor a range, or both, is a 400 saying which to send', async () => {
    const created = await callA('POST', '/callbacks', { url: receiver.url, events: ['message.status'] });
    expect(created.status).toBe(201);
    for (const body of [{}, { event_id: 'evt_x', since: '2026-12-01T00:00:00Z' }]) {
      const answer = await callA('POST', `/callbacks/${created.body.id}/replay`, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error.message).toContain(
        'send either {"event_id": "evt_…"} to replay one event, or {"since": "<ISO time>", "until"?: "<ISO time>", "after"?: "<next_after>"} for a range',
      );
    }
    await callA('DELETE', `/callbacks/${created.body.id}`);
  });
});
