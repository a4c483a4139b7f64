import { afterEach, describe, expect, it } from 'vitest';
import {
  expectWalletInvariant,
  messageStatus,
  orderUpdateRequest,
  postSignedWebhook,
  sendAccepted,
  startStack,
  statusEnvelope,
  waitFor,
  type TestStack,
} from '@dak/dev-env';

// Late truth that costs more than the wallet holds: a delivery Meta reports after Dak refunded
// the message must still be charged. What the balance cannot cover becomes debt, shown by
// GET /wallet, and new sends are refused until a top-up pays it.
describe('a late delivery the balance cannot cover', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('is recorded as debt, shown by GET /wallet, and blocks sends until a top-up covers it', async () => {
    stack = await startStack({ worker: false });
    const s = stack;
    const { apiKey, accountId } = await s.seedDemo({ credit: '0.20' });
    const first = await sendAccepted(s, apiKey);
    await sendAccepted(s, apiKey, orderUpdateRequest('919820388811'));

    // Meta fails the first message: captured, then refunded; the refund is spent on a third send.
    const wamid = 'wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSREVCVERFQlRERUJUREVCVERF';
    const base = { id: wamid, recipient_id: '919820388810', biz_opaque_callback_data: first };
    await postSignedWebhook(
      s,
      statusEnvelope([
        { ...base, status: 'sent', timestamp: '1764198000' },
        {
          ...base,
          status: 'failed',
          timestamp: '1764198001',
          errors: [{ code: 131000, title: 'Something went wrong' }],
        },
      ]),
    );
    await waitFor(async () => (await messageStatus(s, apiKey, first)).charge.state === 'refunded', { what: 'refund' });
    await sendAccepted(s, apiKey, orderUpdateRequest('919820388812'));
    expect((await s.call('GET', '/api/whatsapp/v1/wallet', { key: apiKey })).body).toMatchObject({
      available: '0.00',
      held: '0.20',
      debt: '0.00',
    });

    // Then Meta says it was delivered after all: the refund is taken back with nothing to take it from.
    await postSignedWebhook(s, statusEnvelope([{ ...base, status: 'delivered', timestamp: '1764198005' }]));
    await waitFor(async () => (await messageStatus(s, apiKey, first)).charge.state === 'captured', {
      what: 'refund taken back',
    });
    const wallet = await s.call('GET', '/api/whatsapp/v1/wallet', { key: apiKey });
    expect(wallet.body).toEqual({
      success: true,
      currency: 'INR',
      balance: '0.10',
      held: '0.20',
      available: '0.00',
      debt: '0.10',
      low_balance_threshold: '100.00',
    });
    expect(await s.admin.wallet(accountId)).toMatchObject({
      available: '0.00',
      debt: '0.10',
      captured: '0.10',
      refunded: '0.00',
      topped_up: '0.20',
    });
    await expectWalletInvariant(s.api.ctx.db, accountId);

    // Sends are refused while the wallet owes, even after a top-up too small to clear it.
    const countMessages = async () =>
      (await s.api.ctx.db.selectFrom('messages').select('id').where('account_id', '=', accountId).execute()).length;
    const before = await countMessages();
    await s.admin.topUp(accountId, { amount: '0.05', reference: 'partial' });
    const refused = await s.call('POST', '/api/whatsapp/v1/send-message', {
      key: apiKey,
      body: orderUpdateRequest('919820388813'),
    });
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({
      code: 'insufficient_funds',
      details: { debt: '0.05', available: '0.00' },
    });
    expect(refused.body.error.message).toMatch(/owes 0\.05 INR.*Top up at least 0\.15 INR/);
    expect(await countMessages()).toBe(before);
    expect(await s.admin.wallet(accountId)).toMatchObject({ available: '0.00', debt: '0.05', topped_up: '0.25' });
    await expectWalletInvariant(s.api.ctx.db, accountId);

    // A top-up pays the debt first; the rest is available again.
    await s.admin.topUp(accountId, { amount: '1.00', reference: 'covers' });
    expect(await s.admin.wallet(accountId)).toMatchObject({ available: '0.95', debt: '0.00', topped_up: '1.25' });
    await sendAccepted(s, apiKey, orderUpdateRequest('919820388813'));
    expect((await s.call('GET', '/api/whatsapp/v1/wallet', { key: apiKey })).body).toMatchObject({
      available: '0.85',
      held: '0.30',
      debt: '0.00',
    });
    await expectWalletInvariant(s.api.ctx.db, accountId);
  });
});
