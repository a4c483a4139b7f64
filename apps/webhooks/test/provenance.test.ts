import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixture } from '@dak/dev-env/template-fixtures';
import { claimMessage, findWallet, requeueStaleClaims } from '@dak/db';
import {
  DEMO,
  expectWalletInvariant,
  messageStatus,
  postSignedWebhook,
  orderUpdateRequest,
  sendAccepted,
  startStack,
  waitFor,
  waitForMessage,
  type TestStack,
} from '@dak/dev-env';

// Each attack a tenant with its own genuine Meta app can make: its statuses are genuinely
// signed (the stack's app secret here), but their envelope is its own WABA and number. None of
// them may move another tenant's message, money or template.
describe('a webhook event applies only to what its envelope owns', () => {
  let stack: TestStack;
  let apiKey: string;
  let victim: string;
  let victimPn: string;
  let mallory: string;
  const MALLORY = { wabaId: '555000111222', metaPhoneNumberId: '106540352249999', display: '15550789999' };
  const VICTIM = { wabaId: DEMO.wabaId, metaPhoneNumberId: DEMO.metaPhoneNumberId, display: DEMO.displayPhoneNumber };
  type Sender = { wabaId: string; metaPhoneNumberId: string; display: string };

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId: victim } = await stack.seedDemo({ credit: '10.00' }));
    victimPn = (await stack.admin.listPhoneNumbers(victim)).phone_numbers[0]!.id;
    ({ id: mallory } = await stack.admin.createAccount({ name: 'Mallory', waba_id: MALLORY.wabaId }));
    await stack.admin.addPhoneNumber(mallory, {
      phone_number_id: MALLORY.metaPhoneNumberId,
      display_phone_number: MALLORY.display,
      access_token: 'EAAG-mallory-own-token',
    });
  });
  afterAll(() => stack?.close());

  const db = () => stack.api.ctx.db;

  const signedPost = (payload: unknown) => postSignedWebhook(stack, payload);

  /** Meta's envelope: `entry` is the WABA, `metadata` the number (each may be set apart, to forge). */
  const messagesChange = (
    entry: string,
    number: { metaPhoneNumberId: string; display: string },
    value: Record<string, unknown>,
  ) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: entry,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: number.display, phone_number_id: number.metaPhoneNumberId },
              ...value,
            },
          },
        ],
      },
    ],
  });

  async function postStatuses(sender: Sender, statuses: unknown[], entry = sender.wabaId) {
    const response = await signedPost(messagesChange(entry, sender, { statuses }));
    expect(response.status).toBe(200);
    stack.webhooks.applier.kick();
  }

  /** Waits until every stored event is closed, then returns the rows for a wamid. */
  async function closedEvents(wamid: string) {
    await waitFor(
      async () =>
        (
          await db()
            .selectFrom('message_events')
            .select('id')
            .where('applied_at', 'is', null)
            .where('wamid', '=', wamid)
            .execute()
        ).length === 0,
      {
        what: `the events of ${wamid} to be closed`,
      },
    );
    return db().selectFrom('message_events').selectAll().where('wamid', '=', wamid).orderBy('id').execute();
  }

  async function wallet(accountId: string) {
    return (await findWallet(db(), accountId))!;
  }

  /** The money invariant, from the wallet, the ledger and the messages (debt included). */
  const expectBalanced = (accountId: string) => expectWalletInvariant(db(), accountId);

  const status = (wamid: string, state: string, extra: Record<string, unknown> = {}) => ({
    id: wamid,
    status: state,
    timestamp: String(Math.floor(Date.now() / 1000)),
    recipient_id: DEMO.recipient,
    ...extra,
  });

  /** A victim message Meta took: the genuine `sent` carries its wamid and callback data. */
  async function sentVictimMessage(wamid: string) {
    const id = await sendAccepted(stack, apiKey);
    await postStatuses(VICTIM, [status(wamid, 'sent', { biz_opaque_callback_data: id })]);
    await waitForMessage(stack, apiKey, id, (body) => body.status === 'sent' && body.charge.state === 'captured');
    return id;
  }

  it("a status naming another tenant's message by callback data: `failed` refunds nothing", async () => {
    const id = await sentVictimMessage('wamid.victim-1');
    const before = await wallet(victim);

    await postStatuses(MALLORY, [
      status('wamid.mallory-1', 'failed', {
        biz_opaque_callback_data: id,
        errors: [{ code: 131026, title: 'Message undeliverable' }],
      }),
    ]);
    const [forged] = await closedEvents('wamid.mallory-1');
    expect(forged).toMatchObject({
      rejected_reason: 'message_of_other_account',
      account_id: mallory,
      waba_id: MALLORY.wabaId,
      meta_phone_number_id: MALLORY.metaPhoneNumberId,
    });

    expect(await messageStatus(stack, apiKey, id)).toMatchObject({
      status: 'sent',
      wamid: 'wamid.victim-1',
      error: null,
      charge: { state: 'captured' },
    });
    expect(await wallet(victim)).toEqual(before);
    await expectBalanced(victim);
  });

  it("a status naming another tenant's failed message by callback data: `delivered` charges nothing", async () => {
    const id = await sendAccepted(stack, apiKey);
    await postStatuses(VICTIM, [
      status('wamid.victim-2', 'sent', { biz_opaque_callback_data: id }),
      status('wamid.victim-2', 'failed', {
        biz_opaque_callback_data: id,
        errors: [{ code: 131026, title: 'Message undeliverable' }],
      }),
    ]);
    await waitForMessage(stack, apiKey, id, (body) => body.charge.state === 'refunded');
    const before = await wallet(victim);

    await postStatuses(MALLORY, [status('wamid.mallory-2', 'delivered', { biz_opaque_callback_data: id })]);
    const [forged] = await closedEvents('wamid.mallory-2');
    expect(forged?.rejected_reason).toBe('message_of_other_account');

    expect(await messageStatus(stack, apiKey, id)).toMatchObject({
      status: 'failed',
      charge: { state: 'refunded' },
      timestamps: { delivered_at: null },
    });
    expect(await wallet(victim)).toEqual(before);
    await expectBalanced(victim);
  });

  it("a status naming another tenant's queued message by callback data: `sent` does not stop it going out, charged once", async () => {
    const before = await wallet(victim);
    const id = await sendAccepted(stack, apiKey);
    await postStatuses(MALLORY, [status('wamid.mallory-3', 'sent', { biz_opaque_callback_data: id })]);
    const [forged] = await closedEvents('wamid.mallory-3');
    expect(forged?.rejected_reason).toBe('message_of_other_account');
    expect(await messageStatus(stack, apiKey, id)).toMatchObject({
      status: 'queued',
      wamid: null,
      charge: { state: 'held' },
    });

    // The worker starts only now, and sends it: meta-sim's genuine statuses follow.
    const worker = await stack.startWorker();
    try {
      const read = await waitForMessage(stack, apiKey, id, 'read');
      expect(read.wamid).toMatch(/^wamid\./);
      expect(read.wamid).not.toBe('wamid.mallory-3');
      expect(read.charge.state).toBe('captured');
    } finally {
      await worker.workers.close(5_000);
    }
    const ledger = await db()
      .selectFrom('ledger_entries')
      .select('kind')
      .where('message_id', '=', id)
      .orderBy('id')
      .execute();
    expect(ledger.map((e) => e.kind)).toEqual(['hold', 'capture']);
    const after = await wallet(victim);
    expect(after.captured - before.captured).toBe(10);
    expect(after.available + after.held - (before.available + before.held)).toBe(-10);
    await expectBalanced(victim);
  });

  it("a rejected status naming another tenant's stuck send does not stop the sweeper from sending it again", async () => {
    const id = await sendAccepted(stack, apiKey);
    // A worker claimed it ten minutes ago and vanished.
    await claimMessage(db(), id, new Date(Date.now() - 10 * 60_000));
    await postStatuses(MALLORY, [status('wamid.mallory-7', 'sent', { biz_opaque_callback_data: id })]);
    expect((await closedEvents('wamid.mallory-7'))[0]?.rejected_reason).toBe('message_of_other_account');
    expect(await requeueStaleClaims(db(), 60_000)).toEqual([expect.objectContaining({ id })]);
    expect((await messageStatus(stack, apiKey, id)).status).toBe('queued');
  });

  it("a status whose metadata names another tenant's phone number under the sender's WABA is rejected", async () => {
    const id = await sentVictimMessage('wamid.victim-4');
    const before = await wallet(victim);
    // Mallory's WABA in the entry, the victim's number in the metadata.
    await postStatuses(
      VICTIM,
      [
        status('wamid.victim-4', 'failed', {
          biz_opaque_callback_data: id,
          errors: [{ code: 131026, title: 'Message undeliverable' }],
        }),
      ],
      MALLORY.wabaId,
    );
    const events = await closedEvents('wamid.victim-4');
    expect(events.map((e) => e.rejected_reason)).toEqual([null, 'phone_number_not_in_waba']);
    expect(events[1]).toMatchObject({ account_id: null, sender_id: null });

    expect(await messageStatus(stack, apiKey, id)).toMatchObject({ status: 'sent', charge: { state: 'captured' } });
    expect(await wallet(victim)).toEqual(before);
    await expectBalanced(victim);
  });

  it("a status carrying another account's wamid (no callback data) is rejected", async () => {
    const id = await sentVictimMessage('wamid.victim-5');
    const before = await wallet(victim);
    await postStatuses(MALLORY, [
      status('wamid.victim-5', 'failed', { errors: [{ code: 131026, title: 'Message undeliverable' }] }),
    ]);
    const events = await closedEvents('wamid.victim-5');
    expect(events.map((e) => e.rejected_reason)).toEqual([null, 'message_of_other_account']);

    expect(await messageStatus(stack, apiKey, id)).toMatchObject({ status: 'sent', charge: { state: 'captured' } });
    expect(await wallet(victim)).toEqual(before);
    await expectBalanced(victim);
  });

  it('a forged status stored first does not make the genuine one a duplicate', async () => {
    const id = await sentVictimMessage('wamid.victim-6');
    await postStatuses(MALLORY, [status('wamid.victim-6', 'delivered', { biz_opaque_callback_data: id })]);
    await waitFor(async () => (await closedEvents('wamid.victim-6')).length === 2 || undefined);
    expect((await messageStatus(stack, apiKey, id)).status).toBe('sent');

    await postStatuses(VICTIM, [status('wamid.victim-6', 'delivered', { biz_opaque_callback_data: id })]);
    const delivered = await waitForMessage(stack, apiKey, id, 'delivered');
    expect(delivered.charge.state).toBe('captured');
    const events = await closedEvents('wamid.victim-6');
    expect(events.map((e) => [e.status, e.rejected_reason])).toEqual([
      ['sent', null],
      ['delivered', 'message_of_other_account'],
      ['delivered', null],
    ]);
    await expectBalanced(victim);
  });

  it("a template update under another WABA leaves the victim's template alone; the owner's own applies", async () => {
    const orderUpdate = templateFixture('order_update');
    const couponOffer = templateFixture('coupon_offer');
    const templateChange = (entry: string, templateId: string, name: string, event: string) => ({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: entry,
          time: Math.floor(Date.now() / 1000),
          changes: [
            {
              field: 'message_template_status_update',
              value: {
                event,
                message_template_id: Number(templateId),
                message_template_name: name,
                message_template_language: 'en_US',
                reason: 'NONE',
              },
            },
          ],
        },
      ],
    });
    expect(
      (await signedPost(templateChange(MALLORY.wabaId, orderUpdate.id, orderUpdate.name, 'DISABLED'))).status,
    ).toBe(200);
    expect((await signedPost(templateChange(VICTIM.wabaId, couponOffer.id, couponOffer.name, 'PAUSED'))).status).toBe(
      200,
    );
    stack.webhooks.applier.kick();
    await waitFor(
      async () =>
        (
          await db()
            .selectFrom('message_events')
            .select('id')
            .where('kind', '=', 'template')
            .where('applied_at', 'is', null)
            .execute()
        ).length === 0,
      { what: 'template events closed' },
    );

    const events = await db()
      .selectFrom('message_events')
      .select(['waba_id', 'account_id', 'rejected_reason'])
      .where('kind', '=', 'template')
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { waba_id: MALLORY.wabaId, account_id: mallory, rejected_reason: 'template_of_other_account' },
      { waba_id: VICTIM.wabaId, account_id: victim, rejected_reason: null },
    ]);
    const templates = await db()
      .selectFrom('templates')
      .select(['id', 'status'])
      .where('id', 'in', [orderUpdate.id, couponOffer.id])
      .execute();
    expect(Object.fromEntries(templates.map((t) => [t.id, t.status]))).toEqual({
      [orderUpdate.id]: 'APPROVED',
      [couponOffer.id]: 'PAUSED',
    });
    // The victim still sends with it.
    await sendAccepted(stack, apiKey, orderUpdateRequest());
  });

  it("an inbound message is filed under the number that received it, or flagged when that number is not the WABA's", async () => {
    const inbound = (id: string) => ({
      contacts: [{ profile: { name: 'Asha' }, wa_id: DEMO.recipient }],
      messages: [
        {
          from: DEMO.recipient,
          id,
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: 'text',
          text: { body: 'Where is my order?' },
        },
      ],
    });
    expect((await signedPost(messagesChange(VICTIM.wabaId, VICTIM, inbound('wamid.in-1')))).status).toBe(200);
    expect((await signedPost(messagesChange(MALLORY.wabaId, VICTIM, inbound('wamid.in-2')))).status).toBe(200);
    expect(
      (
        await signedPost(
          messagesChange(
            VICTIM.wabaId,
            { metaPhoneNumberId: '106540352240000', display: '15550780000' },
            inbound('wamid.in-3'),
          ),
        )
      ).status,
    ).toBe(200);
    stack.webhooks.applier.kick();
    const filed = await Promise.all(
      ['wamid.in-1', 'wamid.in-2', 'wamid.in-3'].map(async (wamid) => (await closedEvents(wamid))[0]),
    );
    expect(
      filed.map((e) => ({
        kind: e?.kind,
        account_id: e?.account_id,
        sender_id: e?.sender_id,
        rejected_reason: e?.rejected_reason,
      })),
    ).toEqual([
      { kind: 'message', account_id: victim, sender_id: victimPn, rejected_reason: null },
      { kind: 'message', account_id: null, sender_id: null, rejected_reason: 'phone_number_not_in_waba' },
      { kind: 'message', account_id: null, sender_id: null, rejected_reason: 'unknown_phone_number' },
    ]);
  });

  it('every rejection is counted by reason and listed for the operator, newest first', async () => {
    const metric = await stack.webhooks.ctx.registry.getSingleMetric('dak_webhooks_events_rejected_total')!.get();
    const counts = Object.fromEntries(metric.values.map((v) => [v.labels.reason, v.value]));
    expect(counts).toEqual({
      message_of_other_account: 6,
      phone_number_not_in_waba: 2,
      template_of_other_account: 1,
      unknown_phone_number: 1,
    });

    const admin = (query: string) => stack.call('GET', `/admin/v1/webhook-events${query}`, { key: stack.adminToken });
    const first = await admin('?rejected=true&limit=5');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.events).toHaveLength(5);
    expect(first.body.events.every((e: { rejected_reason: string | null }) => e.rejected_reason !== null)).toBe(true);
    expect(first.body.events[0]).toMatchObject({
      kind: 'message',
      wamid: 'wamid.in-3',
      rejected_reason: 'unknown_phone_number',
      meta_phone_number_id: '106540352240000',
    });
    expect(first.body.events[0]).not.toHaveProperty('payload');
    const rest = await admin(`?rejected=true&limit=5&before=${first.body.next_before}`);
    expect(rest.body.events).toHaveLength(5);
    expect(rest.body.next_before).toBeNull();
    expect(rest.body.events.at(-1)).toMatchObject({
      kind: 'status',
      wamid: 'wamid.mallory-1',
      message_id: expect.stringMatching(/^msg_/),
      account_id: mallory,
    });

    const wrong = await admin('?rejected=maybe');
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ success: false, error: { code: 'invalid_request' } });
  });
});
