import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@dak/core';
import { checkLowBalances } from '@dak/db';
import { orderUpdateRequest, startStack, type TestStack } from '@dak/dev-env';

// wallet.low_balance: the account sets its threshold; a dip below it is announced once to the
// endpoints subscribed to it, and again only after a top-up lifted the wallet back.
describe('low-balance alerts', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1.00' }));
  });
  afterAll(() => stack?.close());
  const db = () => stack.api.ctx.db;
  const alerts = () =>
    db()
      .selectFrom('callback_events')
      .select('data')
      .where('account_id', '=', accountId)
      .where('type', '=', 'wallet.low_balance')
      .orderBy('created_at')
      .execute();

  it('a new wallet has the configured default threshold; PATCH /wallet sets it and checks it', async () => {
    const wallet = await stack.call('GET', '/api/whatsapp/v1/wallet', { key: apiKey });
    expect(wallet.body.low_balance_threshold).toBe('100.00');
    const bad = await stack.call('PATCH', '/api/whatsapp/v1/wallet', {
      key: apiKey,
      body: { low_balance_threshold: '1.234' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/low_balance_threshold must be a decimal string with at most 2 decimals/);
    const set = await stack.call('PATCH', '/api/whatsapp/v1/wallet', {
      key: apiKey,
      body: { low_balance_threshold: '0.85' },
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ low_balance_threshold: '0.85', available: '1.00' });
    const admin = await stack.admin.call<{ low_balance_threshold: string }>('GET', `/accounts/${accountId}/wallet`);
    expect(admin.low_balance_threshold).toBe('0.85');
  });

  it('without a subscribed endpoint a dip records nothing; with one, each dip is announced once', async () => {
    for (let i = 0; i < 2; i++) {
      const sent = await stack.call('POST', '/api/whatsapp/v1/send-message', {
        key: apiKey,
        body: orderUpdateRequest(),
      });
      expect(sent.status).toBe(200);
    }
    // available 0.80 < 0.85, but nobody listens.
    expect(await checkLowBalances(db())).toEqual([]);
    await db()
      .insertInto('callback_endpoints')
      .values({
        id: newId('cbk'),
        account_id: accountId,
        url: 'http://127.0.0.1:9/unused',
        events: ['wallet.low_balance'],
        secret_encrypted: 'unused',
      })
      .execute();
    expect(await checkLowBalances(db())).toHaveLength(1);
    expect(await checkLowBalances(db())).toEqual([]);
    expect((await alerts()).map((a) => a.data)).toEqual([
      { currency: 'INR', available: '0.80', debt: '0.00', threshold: '0.85' },
    ]);

    // A top-up lifts it back: re-armed, nothing sent; the next dip is announced again.
    await stack.admin.topUp(accountId, { amount: '0.10', reference: 'lift-1' });
    expect(await checkLowBalances(db())).toEqual([]);
    await stack.call('POST', '/api/whatsapp/v1/send-message', { key: apiKey, body: orderUpdateRequest() });
    expect(await checkLowBalances(db())).toHaveLength(1);
    expect((await alerts()).map((a) => a.data.available)).toEqual(['0.80', '0.80']);
  });
});
