import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { announced, DEMO, startStack, type TestStack } from '@dak/dev-env';

// Every bad request is a JSON error that says how to fix it, and stores and holds nothing.
describe('send-message rejects bad input and keeps nothing', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  const orderUpdate = templateFixtures.order_update!;
  const good = {
    phone_number_id: DEMO.metaPhoneNumberId,
    template_id: orderUpdate.id,
    phone_number: DEMO.recipient,
    variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
  };

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1.00' }));
  });
  afterAll(() => stack?.close());

  async function expectNothingStored() {
    const messages = await stack.api.ctx.db.selectFrom('messages').select('id').execute();
    expect(messages).toEqual([]);
    expect(await stack.admin.wallet(accountId)).toMatchObject({ available: '1.00', held: '0.00' });
  }

  async function send(body: unknown, options: { key?: string | null; rawBody?: string } = {}) {
    return stack.call('POST', '/api/whatsapp/v1/send-message', {
      ...(options.key === null ? {} : { key: options.key ?? apiKey }),
      ...(options.rawBody !== undefined ? { rawBody: options.rawBody } : { body }),
    });
  }

  function expectError(response: { status: number; body: any }, status: number, code: string, mentions: RegExp) {
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.body).toMatchObject({ success: false, error: { code, message: expect.stringMatching(mentions) } });
  }

  it('malformed JSON → 400 malformed_json', async () => {
    expectError(await send(undefined, { rawBody: '{"phone_number_id": ' }), 400, 'malformed_json', /not valid JSON/);
    await expectNothingStored();
  });

  it('a body that is not the send-message shape → 400 naming each field', async () => {
    const response = await send({ phone_number_id: 12, variables: 'John' });
    expectError(response, 400, 'invalid_request', /phone_number_id: required/);
    for (const named of [
      /variables: must be an array/,
      /template_id: required/,
      /phone_number: required.*or user_id/,
    ]) {
      expect(response.body.error.message).toMatch(named);
    }
    await expectNothingStored();
  });

  it('missing key → 401 missing_api_key; unknown key → 401 invalid_api_key', async () => {
    expectError(await send(good, { key: null }), 401, 'missing_api_key', /Authorization: Bearer/);
    expectError(await send(good, { key: 'dak_not-a-real-key' }), 401, 'invalid_api_key', /not valid/);
    await expectNothingStored();
  });

  it('a revoked key → 401', async () => {
    const { id, key } = await stack.admin.createApiKey(accountId, { name: 'short-lived' });
    await stack.admin.call('DELETE', `/api-keys/${id}`);
    expectError(await send(good, { key }), 401, 'invalid_api_key', /revoked/);
    await expectNothingStored();
  });

  it('unknown phone number id → 404', async () => {
    expectError(
      await send({ ...good, phone_number_id: '999999999999' }),
      404,
      'phone_number_not_found',
      /999999999999/,
    );
    await expectNothingStored();
  });

  it("another account's template → 404, the same as one that does not exist", async () => {
    const other = await stack.admin.createAccount({ name: 'Other', waba_id: '555000111222' });
    await stack.api.ctx.db
      .insertInto('templates')
      .values({
        id: '990000000000001',
        account_id: other.id,
        name: 'other_template',
        language: 'en_US',
        category: 'UTILITY',
        status: 'APPROVED',
        parameter_format: 'POSITIONAL',
        components: JSON.stringify([{ type: 'BODY', text: 'Hello' }]),
        synced_at: new Date(),
      })
      .execute();
    const foreign = await send({ ...good, template_id: '990000000000001', variables: [] });
    const missing = await send({ ...good, template_id: '990000000000002', variables: [] });
    expectError(foreign, 404, 'template_not_found', /990000000000001/);
    expectError(missing, 404, 'template_not_found', /990000000000002/);
    await expectNothingStored();
  });

  it('a template that is not approved → 422 template_not_approved', async () => {
    // The send path reads templates from the API's cache: each change waits until it is heard.
    const setStatus = (status: string) =>
      announced(stack.api.ctx.changes, 'templates', accountId, () =>
        stack.api.ctx.db.updateTable('templates').set({ status }).where('id', '=', orderUpdate.id).execute(),
      );
    await setStatus('PAUSED');
    try {
      expectError(await send(good), 422, 'template_not_approved', /PAUSED.*APPROVED/);
    } finally {
      await setStatus('APPROVED');
    }
    await expectNothingStored();
  });

  it('the wrong number of variables → 422 naming the placeholders', async () => {
    const response = await send({ ...good, variables: [{ type: 'body', values: ['John Doe'] }] });
    expectError(response, 422, 'variables_mismatch', /body expects 2 values \(\{\{1\}\}, \{\{2\}\}\), got 1/);
    expect(response.body.error.details.errors).toEqual([expect.objectContaining({ component: 'body' })]);
    await expectNothingStored();
  });

  it.each(['12345', 'call me', '+0 9820 388810', '91982038881012345'])(
    'an implausible recipient %j → 400',
    async (phone) => {
      expectError(await send({ ...good, phone_number: phone }), 400, 'invalid_phone_number', /country code/);
      await expectNothingStored();
    },
  );

  it('too little credit → 402 with what is needed and available', async () => {
    const poor = await stack.admin.createAccount({ name: 'Poor', waba_id: '555000111333', price: '2.00' });
    // The number and the template move to the poor account; the API's caches drop the demo
    // account's copies when they hear of it (announced in commit order: templates come last).
    const moveTo = (owner: string) =>
      announced(stack.api.ctx.changes, 'templates', accountId, async () => {
        await stack.api.ctx.db
          .updateTable('phone_numbers')
          .set({ account_id: owner })
          .where('meta_phone_number_id', '=', DEMO.metaPhoneNumberId)
          .execute();
        await stack.api.ctx.db
          .updateTable('templates')
          .set({ account_id: owner })
          .where('id', '=', orderUpdate.id)
          .execute();
      });
    await moveTo(poor.id);
    const { key } = await stack.admin.createApiKey(poor.id, { name: 'poor' });
    await stack.admin.topUp(poor.id, { amount: '1.50', reference: 'first' });
    try {
      const response = await send(good, { key });
      expectError(response, 402, 'insufficient_funds', /needs 2\.00 INR but 1\.50 is available/);
      expect(response.body.error.details).toMatchObject({ required: '2.00', available: '1.50' });
      expect(await stack.admin.wallet(poor.id)).toMatchObject({ available: '1.50', held: '0.00' });
    } finally {
      await moveTo(accountId);
    }
    await expectNothingStored();
  });

  it('a key restricted to other phone numbers → 403', async () => {
    await stack.admin.addPhoneNumber(accountId, {
      phone_number_id: '106540352249999',
      display_phone_number: '15550780000',
      access_token: stack.accessToken,
    });
    const { key } = await stack.admin.createApiKey(accountId, {
      name: 'scoped',
      phone_number_ids: ['106540352249999'],
    });
    expectError(await send(good, { key }), 403, 'phone_number_not_allowed', /may not send/);
    await expectNothingStored();
  });

  it('an unknown route → 404 JSON', async () => {
    const response = await stack.call('GET', '/api/whatsapp/v1/nope', { key: apiKey });
    expectError(response, 404, 'route_not_found', /No route GET/);
  });
});
