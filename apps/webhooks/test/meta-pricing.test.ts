import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movementsFor } from '@dak/webhooks';
import {
  DEMO,
  expectWalletInvariant,
  messageStatus,
  orderUpdateRequest,
  postSignedWebhook,
  sendAccepted,
  startStack,
  statusEnvelope,
  waitFor,
  waitForMessage,
  type TestStack,
} from '@dak/dev-env';

const regular = { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' };
const freeService = { billable: false, pricing_model: 'PMP', category: 'utility', type: 'free_customer_service' };

describe('movementsFor a message Meta reported free', () => {
  const at = new Date();
  const free = { pricing_model: 'PMP', category: 'utility', type: 'free_customer_service' };
  it.each([
    ['held', 'sent', null, free, true, ['waive_hold']],
    ['captured', 'delivered', at, free, true, ['waive_capture']],
    ['captured', 'delivered', at, free, false, []], // the account charges free messages
    ['held', 'sent', null, { ...free, type: 'regular' }, true, ['capture']],
    ['held', 'sent', null, null, true, ['capture']],
    ['waived', 'read', at, free, true, []],
    ['captured', 'failed', null, free, true, ['refund']],
  ] as const)(
    '%s, ends %s, pricing %j, waives free %s → %j',
    (charge_state, status, delivered_at, meta_pricing, waives, expected) => {
      expect(movementsFor({ charge_state, status, delivered_at, read_at: null, meta_pricing }, waives)).toEqual(
        expected,
      );
    },
  );
});

describe("the pricing Meta reported: shown, and what the account's price makes of it", () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '10.00' }));
  });
  afterAll(() => stack?.close());

  let n = 0;
  const wamid = () => `wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSUFJJQ0lOR1BSSUNJTkdQUk${++n}`;
  const post = async (statuses: unknown[]) => {
    const posted = await postSignedWebhook(stack, statusEnvelope(statuses));
    expect(posted.status).toBe(200);
  };
  const settle = (id: string, done: (body: any) => boolean, what: string) =>
    waitFor(
      async () => {
        const body = await messageStatus(stack, apiKey, id);
        return done(body) ? body : undefined;
      },
      { what },
    );
  const ledgerOf = (id: string) =>
    stack.api.ctx.db
      .selectFrom('ledger_entries')
      .select(['kind', 'amount_minor', 'reason'])
      .where('message_id', '=', id)
      .orderBy('id')
      .execute();
  const wallet = async () =>
    (await stack.call('GET', `/admin/v1/accounts/${accountId}/wallet`, { key: stack.adminToken })).body;
  /** Returns once the applier has closed every stored event. */
  const settleEvents = () =>
    waitFor(
      async () => {
        const open = await stack.api.ctx.db
          .selectFrom('message_events')
          .select('id')
          .where('applied_at', 'is', null)
          .execute();
        return open.length === 0 ? true : undefined;
      },
      { what: 'every event applied' },
    );

  it('a regular utility message shows its pricing and is charged as before', async () => {
    const id = await sendAccepted(stack, apiKey);
    const base = { id: wamid(), recipient_id: '919820388810', biz_opaque_callback_data: id };
    await post([
      { ...base, status: 'sent', timestamp: '1764198000', pricing: regular },
      { ...base, status: 'delivered', timestamp: '1764198001', pricing: regular },
    ]);
    const body = await settle(id, (b) => b.status === 'delivered', 'delivered');
    expect(body.pricing).toEqual({ model: 'PMP', category: 'utility', type: 'regular', billable: true });
    expect(body.charge.state).toBe('captured');
    expect((await ledgerOf(id)).map((e) => [e.kind, e.reason])).toEqual([
      ['hold', null],
      ['capture', null],
    ]);
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('a free_customer_service utility message is not charged, the ledger says why, and late statuses move nothing', async () => {
    const before = await wallet();
    const id = await sendAccepted(stack, apiKey);
    const base = { id: wamid(), recipient_id: '919820388810', biz_opaque_callback_data: id };
    await post([{ ...base, status: 'sent', timestamp: '1764198100', pricing: freeService }]);
    const body = await settle(id, (b) => b.charge.state === 'waived', 'waived');
    expect(body.pricing).toEqual({ model: 'PMP', category: 'utility', type: 'free_customer_service', billable: false });
    expect(body.status).toBe('sent');
    const ledger = await ledgerOf(id);
    expect(ledger.map((e) => [e.kind, e.reason])).toEqual([
      ['hold', null],
      ['waive', 'meta_free_customer_service'],
    ]);
    expect(ledger[1]!.amount_minor).toBe(ledger[0]!.amount_minor);
    expect(await wallet()).toMatchObject({
      available: before.available,
      held: before.held,
      captured: before.captured,
      refunded: before.refunded,
    });
    await expectWalletInvariant(stack.api.ctx.db, accountId);

    // Duplicates, the rest of its life, a late failure, all in any order: no money moves again.
    await post([
      { ...base, status: 'read', timestamp: '1764198103', pricing: freeService },
      { ...base, status: 'sent', timestamp: '1764198100', pricing: freeService },
      { ...base, status: 'delivered', timestamp: '1764198102', pricing: freeService },
      { ...base, status: 'failed', timestamp: '1764198104', errors: [{ code: 131000, title: 'Something went wrong' }] },
    ]);
    const read = await settle(id, (b) => b.status === 'read', 'read');
    await settleEvents();
    expect(read.charge.state).toBe('waived');
    expect((await ledgerOf(id)).map((e) => e.kind)).toEqual(['hold', 'waive']);
    expect(await wallet()).toMatchObject({ available: before.available, held: before.held, refunded: before.refunded });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('a capture is given back when Meta reports the message free later, once', async () => {
    const before = await wallet();
    const id = await sendAccepted(stack, apiKey);
    const base = { id: wamid(), recipient_id: '919820388810', biz_opaque_callback_data: id };
    await post([{ ...base, status: 'sent', timestamp: '1764198200' }]); // no pricing on it
    const sent = await settle(id, (b) => b.charge.state === 'captured', 'captured');
    expect(sent.pricing).toBeNull();
    await post([{ ...base, status: 'delivered', timestamp: '1764198201', pricing: freeService }]);
    const delivered = await settle(id, (b) => b.charge.state === 'waived', 'waived');
    expect(delivered.pricing.type).toBe('free_customer_service');
    const ledgerOfPrice = Math.round(Number(delivered.charge.amount) * 100);
    expect(ledgerOfPrice).toBeGreaterThan(0);
    expect((await ledgerOf(id)).map((e) => [e.kind, e.reason])).toEqual([
      ['hold', null],
      ['capture', null],
      ['waive', 'meta_free_customer_service'],
    ]);
    // Given back as a refund is: counted in `captured` and in `refunded`.
    const after = await wallet();
    const minor = (amount: string) => Math.round(Number(amount) * 100);
    expect(after.available).toBe(before.available);
    expect(minor(after.captured) - minor(before.captured)).toBe(ledgerOfPrice);
    expect(minor(after.refunded) - minor(before.refunded)).toBe(ledgerOfPrice);
    await expectWalletInvariant(stack.api.ctx.db, accountId);

    await post([{ ...base, status: 'delivered', timestamp: '1764198201', pricing: freeService }]);
    await post([{ ...base, status: 'read', timestamp: '1764198202', pricing: regular }]);
    await settle(id, (b) => b.status === 'read', 'read');
    await settleEvents();
    expect((await ledgerOf(id)).map((e) => e.kind)).toEqual(['hold', 'capture', 'waive']);
    expect(await wallet()).toMatchObject({
      available: after.available,
      captured: after.captured,
      refunded: after.refunded,
    });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('free_entry_point keeps its conversation, and the list and the ledger API show it', async () => {
    const id = await sendAccepted(stack, apiKey);
    const base = { id: wamid(), recipient_id: '919820388810', biz_opaque_callback_data: id };
    const conversation = {
      id: 'CONVERSATION_ID',
      expiration_timestamp: '1764457200',
      origin: { type: 'referral_conversion' },
    };
    await post([
      {
        ...base,
        status: 'sent',
        timestamp: '1764198300',
        conversation,
        pricing: { pricing_model: 'PMP', category: 'marketing', type: 'free_entry_point' },
      },
    ]);
    const body = await settle(id, (b) => b.charge.state === 'waived', 'waived');
    expect(body.pricing).toEqual({ model: 'PMP', category: 'marketing', type: 'free_entry_point' });
    const stored = await stack.api.ctx.db
      .selectFrom('messages')
      .select('meta_pricing')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored.meta_pricing?.conversation).toEqual(conversation);

    const list = await stack.call('GET', '/api/whatsapp/v1/messages?limit=100', { key: apiKey });
    expect(list.status).toBe(200);
    const listed = (list.body.messages as any[]).find((m) => m.message_id === id);
    expect(listed.pricing).toEqual(body.pricing);

    const ledger = await stack.call('GET', `/admin/v1/accounts/${accountId}/wallet/ledger`, { key: stack.adminToken });
    expect(ledger.status).toBe(200);
    const waive = (ledger.body.entries as any[]).find((e) => e.message_id === id && e.kind === 'waive');
    expect(waive).toMatchObject({ reason: 'meta_free_entry_point' });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it("a batch's money shows what was waived beside what was charged", async () => {
    const template = orderUpdateRequest();
    const batch = await stack.call('POST', '/api/whatsapp/v1/send-batch', {
      key: apiKey,
      body: {
        phone_number_id: template.phone_number_id,
        template_id: template.template_id,
        messages: ['919820388821', '919820388822'].map((phone_number) => ({
          phone_number,
          variables: template.variables,
        })),
      },
    });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    const [free, charged] = batch.body.message_ids as string[];
    for (const [id, pricing] of [
      [free!, freeService],
      [charged!, regular],
    ] as const)
      await post([
        {
          id: wamid(),
          recipient_id: '919820388821',
          biz_opaque_callback_data: id,
          status: 'sent',
          timestamp: '1764198500',
          pricing,
        },
      ]);
    await settle(charged!, (b) => b.charge.state === 'captured', 'captured');
    const body = await settle(free!, (b) => b.charge.state === 'waived', 'waived');
    const status = await stack.call('GET', `/api/whatsapp/v1/batches/${batch.body.batch_id}`, { key: apiKey });
    expect(status.body.charges).toEqual({
      currency: 'INR',
      held: '0.00',
      captured: body.charge.amount,
      refunded: '0.00',
      released: '0.00',
      waived: body.charge.amount,
    });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('an account that charges free messages is charged for them', async () => {
    const patched = await stack.call('PATCH', `/admin/v1/accounts/${accountId}`, {
      key: stack.adminToken,
      body: { charge_free_messages: true },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.charge_free_messages).toBe(true);
    try {
      const id = await sendAccepted(stack, apiKey);
      const base = { id: wamid(), recipient_id: '919820388810', biz_opaque_callback_data: id };
      await post([{ ...base, status: 'delivered', timestamp: '1764198400', pricing: freeService }]);
      const body = await settle(id, (b) => b.status === 'delivered', 'delivered');
      expect(body.charge.state).toBe('captured');
      expect(body.pricing.type).toBe('free_customer_service');
      expect((await ledgerOf(id)).map((e) => e.kind)).toEqual(['hold', 'capture']);
      await expectWalletInvariant(stack.api.ctx.db, accountId);
    } finally {
      await stack.call('PATCH', `/admin/v1/accounts/${accountId}`, {
        key: stack.adminToken,
        body: { charge_free_messages: false },
      });
    }
    const bad = await stack.call('PATCH', `/admin/v1/accounts/${accountId}`, {
      key: stack.adminToken,
      body: { charge_free_messages: 'no' },
    });
    expect(bad.status).toBe(400);
  });
});

describe('end to end through meta-sim: a utility template inside an open service window', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack();
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '10.00' }));
  });
  afterAll(() => stack?.close());

  it('is reported free_customer_service and waived; outside the window it is regular and charged', async () => {
    const outside = '919820388811';
    stack.sim.control.openServiceWindow({ phone_number_id: DEMO.metaPhoneNumberId, wa_id: DEMO.recipient });
    const free = await sendAccepted(stack, apiKey, orderUpdateRequest(DEMO.recipient));
    const charged = await sendAccepted(stack, apiKey, orderUpdateRequest(outside));
    const delivered = (b: any) => ['delivered', 'read'].includes(b.status) && b.pricing !== null;
    const freeBody = await waitForMessage(stack, apiKey, free, (b) => delivered(b) && b.charge.state === 'waived');
    expect(freeBody.pricing).toEqual({
      model: 'PMP',
      category: 'utility',
      type: 'free_customer_service',
      billable: false,
    });
    const chargedBody = await waitForMessage(stack, apiKey, charged, delivered);
    expect(chargedBody.pricing).toEqual({ model: 'PMP', category: 'utility', type: 'regular', billable: true });
    expect(chargedBody.charge.state).toBe('captured');
    const kinds = await stack.api.ctx.db
      .selectFrom('ledger_entries')
      .select(['message_id', 'kind', 'reason'])
      .where('message_id', 'in', [free, charged])
      .orderBy('id')
      .execute();
    // Meta's answer usually captures it before its first status comes back (then the waive gives
    // the capture back); a status that wins the race gives the hold back instead.
    const freeEntries = kinds.filter((k) => k.message_id === free).map((k) => [k.kind, k.reason]);
    const waive = ['waive', 'meta_free_customer_service'];
    expect([
      [['hold', null], ['capture', null], waive],
      [['hold', null], waive],
    ]).toContainEqual(freeEntries);
    expect(kinds.filter((k) => k.message_id === charged).map((k) => k.kind)).toEqual(['hold', 'capture']);
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('inside a free-entry window (an ad click) it is free_entry_point, waived, and keeps its conversation', async () => {
    const clicked = '919820388812';
    stack.sim.control.openServiceWindow({ phone_number_id: DEMO.metaPhoneNumberId, wa_id: clicked, entry_point: true });
    const id = await sendAccepted(stack, apiKey, orderUpdateRequest(clicked));
    const body = await waitForMessage(
      stack,
      apiKey,
      id,
      (b) => ['delivered', 'read'].includes(b.status) && b.charge.state === 'waived',
    );
    expect(body.pricing).toEqual({ model: 'PMP', category: 'utility', type: 'free_entry_point', billable: false });
    const stored = await stack.api.ctx.db
      .selectFrom('messages')
      .select('meta_pricing')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored.meta_pricing?.conversation).toMatchObject({ origin: { type: 'free_entry_point' } });
    const waive = await stack.api.ctx.db
      .selectFrom('ledger_entries')
      .select('reason')
      .where('message_id', '=', id)
      .where('kind', '=', 'waive')
      .executeTakeFirstOrThrow();
    expect(waive.reason).toBe('meta_free_entry_point');
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });
});
