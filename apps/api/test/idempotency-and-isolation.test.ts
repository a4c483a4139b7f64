import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { DEMO, startStack, type TestStack } from '@dak/dev-env';

describe('idempotency keys and account isolation', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  const body = {
    phone_number_id: DEMO.metaPhoneNumberId,
    template_id: templateFixtures.order_update!.id,
    phone_number: DEMO.recipient,
    variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
  };
  const send = (payload: unknown, headers: Record<string, string> = {}, key = apiKey) =>
    stack.call('POST', '/api/whatsapp/v1/send-message', { key, body: payload, headers });
  const messageCount = async () => (await stack.api.ctx.db.selectFrom('messages').select('id').execute()).length;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '5.00' }));
  });
  afterAll(() => stack?.close());

  it('the same key and body returns the first answer and holds nothing new', async () => {
    const first = await send(body, { 'Idempotency-Key': 'order-1-confirmation' });
    const again = await send(body, { 'Idempotency-Key': 'order-1-confirmation' });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await messageCount()).toBe(1);
    expect(await stack.admin.wallet(accountId)).toMatchObject({ held: '0.10', available: '4.90' });
  });

  it('the same key with another body is a 409 and changes nothing', async () => {
    const response = await send(
      { ...body, phone_number: '919820388811' },
      { 'Idempotency-Key': 'order-1-confirmation' },
    );
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({
      success: false,
      error: { code: 'idempotency_key_reused', message: expect.stringMatching(/new key/) },
    });
    expect(await messageCount()).toBe(1);
  });

  it('concurrent requests with one key accept one message', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(body, { 'Idempotency-Key': 'burst-1' })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(new Set(answers.map((a) => a.body.message_id)).size).toBe(1);
    expect(await messageCount()).toBe(2);
  });

  it('a rejected request is not remembered: fixed, the same key goes through', async () => {
    const rejected = await send({ ...body, variables: [] }, { 'Idempotency-Key': 'fix-me' });
    expect(rejected.status).toBe(422);
    const fixed = await send(body, { 'Idempotency-Key': 'fix-me' });
    expect(fixed.status).toBe(200);
  });

  it("another account's message is a 404, by Dak id and by wamid", async () => {
    const mine = (await send(body)).body.message_id as string;
    await stack.api.ctx.db.updateTable('messages').set({ wamid: 'wamid.mine' }).where('id', '=', mine).execute();
    const other = await stack.admin.createAccount({ name: 'Other', waba_id: '555000111444' });
    const { key: otherKey } = await stack.admin.createApiKey(other.id, { name: 'other' });
    for (const id of [mine, 'wamid.mine']) {
      const response = await stack.call('GET', `/api/whatsapp/v1/message-status/${id}`, { key: otherKey });
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ success: false, error: { code: 'message_not_found' } });
      expect((await stack.call('GET', `/api/whatsapp/v1/message-status/${id}`, { key: apiKey })).status).toBe(200);
    }
    const template = await stack.call('GET', `/api/whatsapp/v1/get-template-by-id/${body.template_id}`, {
      key: otherKey,
    });
    expect(template.status).toBe(404);
  });
});

describe('secrets at rest and in the admin API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(() => stack?.close());

  it('stores API keys hashed, shows a key once, and encrypts access tokens', async () => {
    const { accountId, apiKey } = await stack.seedDemo();
    const keys = await stack.api.ctx.db.selectFrom('api_keys').selectAll().execute();
    expect(keys).toHaveLength(1);
    expect(JSON.stringify(keys)).not.toContain(apiKey);
    const listed = await stack.admin.call<{ api_keys: Record<string, unknown>[] }>(
      'GET',
      `/accounts/${accountId}/api-keys`,
    );
    expect(JSON.stringify(listed)).not.toContain(apiKey);
    expect(listed.api_keys[0]).not.toHaveProperty('key');
    expect(listed.api_keys[0]).not.toHaveProperty('key_hash');

    const phones = await stack.api.ctx.db.selectFrom('phone_numbers').select('access_token_encrypted').execute();
    expect(phones[0]!.access_token_encrypted).not.toContain(stack.accessToken);
    const phoneList = await stack.admin.call('GET', `/accounts/${accountId}/phone-numbers`);
    expect(JSON.stringify(phoneList)).not.toContain(stack.accessToken);
  });

  it('needs the admin token', async () => {
    const none = await fetch(`${stack.api.url}/admin/v1/accounts`);
    expect(none.status).toBe(401);
    const wrong = await fetch(`${stack.api.url}/admin/v1/accounts`, {
      headers: { authorization: 'Bearer not-the-admin-token-at-all' },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ success: false, error: { code: 'invalid_admin_token' } });
  });

  it('a top-up reference credits once; reused with another amount it is a 409', async () => {
    const account = await stack.admin.createAccount({ name: 'Topups', waba_id: '555000111555' });
    const first = await stack.admin.call('POST', `/accounts/${account.id}/wallet/topups`, {
      amount: '25.50',
      reference: 'inv-1',
    });
    const again = await stack.admin.call('POST', `/accounts/${account.id}/wallet/topups`, {
      amount: '25.50',
      reference: 'inv-1',
    });
    expect(first).toMatchObject({ replayed: false, wallet: { available: '25.50' } });
    expect(again).toMatchObject({ replayed: true, wallet: { available: '25.50' } });
    const conflict = await fetch(`${stack.api.url}/admin/v1/accounts/${account.id}/wallet/topups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '30.00', reference: 'inv-1' }),
    });
    expect(conflict.status).toBe(409);
    for (const amount of ['0', '-1', '1.234', 'ten']) {
      const bad = await fetch(`${stack.api.url}/admin/v1/accounts/${account.id}/wallet/topups`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount, reference: `bad-${amount}` }),
      });
      expect(bad.status, amount).toBe(400);
    }
    expect(await stack.admin.wallet(account.id)).toMatchObject({ available: '25.50', topped_up: '25.50' });
  });

  it('a duplicate account or phone number is a 409; an unknown account a 404', async () => {
    const dup = await fetch(`${stack.api.url}/admin/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Again', waba_id: DEMO.wabaId }),
    });
    expect(dup.status).toBe(409);
    const missing = await fetch(`${stack.api.url}/admin/v1/accounts/acc_missing/wallet`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    expect(missing.status).toBe(404);
  });
});
