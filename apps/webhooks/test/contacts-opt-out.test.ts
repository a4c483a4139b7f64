import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  couponOfferRequest,
  DEMO,
  expectWalletInvariant,
  messagesEnvelope,
  orderUpdateRequest,
  postSignedWebhook,
  sendAccepted,
  startStack,
  waitFor,
  waitForMessage,
  waitForQueueEmpty,
  type TestStack,
} from '@dak/dev-env';
import { templateFixtures } from '@dak/dev-env/template-fixtures';

const ANANYA = '919820005001';
const RAVI = '919820005002';
const MEERA = '919820005003';
const KABIR = '919820005004';
const STOPPED_AT_META = '919820005005';
const STOPPED_IN_ANSWER = '919820005006';

const couponOffer = couponOfferRequest;

// A customer's reply, as Meta delivers it: the contact (profile name, user id) beside the message.
const inbound = (from: string, name: string, message: Record<string, unknown>, at = Math.floor(Date.now() / 1000)) =>
  messagesEnvelope({
    contacts: [{ profile: { name }, wa_id: from, user_id: `IN.${from}` }],
    messages: [{ from, id: `wamid.in.${from}.${at}.${Math.random()}`, timestamp: String(at), ...message }],
  });
const text = (body: string) => ({ type: 'text', text: { body } });

describe('contacts and opt-outs', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({ metaSim: { webhookDelaysMs: { sent: 20, delivered: 40, read: 60 } } });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '100.00' }));
    stack.sim.control.addSpecialRecipient({ numbers: [STOPPED_AT_META], behaviour: 'marketing_opt_out' });
  });
  afterAll(() => stack?.close());
  const db = () => stack.api.ctx.db;
  const api = (method: string, path: string, body?: unknown, key = apiKey) =>
    stack.call(method, `/api/whatsapp/v1${path}`, { key, ...(body !== undefined ? { body } : {}) });

  async function reply(from: string, name: string, message: Record<string, unknown>, at?: number) {
    const response = await postSignedWebhook(stack, inbound(from, name, message, at));
    expect(response.status).toBe(200);
    stack.webhooks.applier.kick();
  }

  /** The contact of a number once it satisfies `done`, through GET /contacts?number=. */
  function contactOf(number: string, done: (c: any) => boolean = () => true): Promise<any> {
    return waitFor(
      async () => {
        const { body } = await api('GET', `/contacts?number=%2B${number}`);
        const contact = body.contacts?.[0];
        return contact && done(contact) ? contact : undefined;
      },
      { what: `contact ${number}` },
    );
  }

  const messagesTo = async (recipient: string) =>
    (await db().selectFrom('messages').select('template_category').where('recipient', '=', recipient).execute()).map(
      (m) => m.template_category,
    );

  it('an inbound message records the contact with its WhatsApp name, user id and time', async () => {
    const at = Math.floor(Date.now() / 1000) - 60;
    await reply(ANANYA, 'Ananya Rao', text('Hi, where is my order?'), at);
    const contact = await contactOf(ANANYA);
    expect(contact).toMatchObject({
      id: expect.stringMatching(/^ct_/),
      phone_number: ANANYA,
      profile_name: 'Ananya Rao',
      user_id: `IN.${ANANYA}`,
      opted_out: false,
      opted_out_at: null,
      opt_out_reason: null,
      tags: [],
      attributes: {},
      last_inbound_at: new Date(at * 1000).toISOString(),
    });
    expect((await api('GET', `/contacts/${contact.id}`)).body).toEqual(contact);
  });

  it('a STOP reply blocks the next marketing template (422, nothing held) but not a utility one', async () => {
    await reply(ANANYA, 'Ananya R.', text('  stop '));
    const contact = await contactOf(ANANYA, (c) => c.opted_out);
    expect(contact).toMatchObject({
      profile_name: 'Ananya R.',
      opt_out_reason: 'stop_keyword',
      opt_out_keyword: 'STOP',
    });

    const refused = await api('POST', '/send-message', couponOffer(ANANYA));
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'recipient_opted_out',
      details: { phone_number: ANANYA, opted_out_at: contact.opted_out_at, reason: 'stop_keyword', keyword: 'STOP' },
    });
    expect(refused.body.error.message).toContain(contact.opted_out_at);
    expect(refused.body.error.message).toContain('utility and authentication templates still go');
    expect(await messagesTo(ANANYA)).toEqual([]);

    const utility = await sendAccepted(stack, apiKey, orderUpdateRequest(ANANYA));
    await waitForMessage(stack, apiKey, utility, 'read');
    expect(await messagesTo(ANANYA)).toEqual(['UTILITY']);
    await expectWalletInvariant(db(), accountId);
  });

  it('a batch of a marketing template rejects the opted-out item by index and sends the rest', async () => {
    const batch = await api('POST', '/send-batch', {
      phone_number_id: DEMO.metaPhoneNumberId,
      template_id: templateFixtures.coupon_offer!.id,
      messages: [ANANYA, RAVI].map((n) => ({ phone_number: n, variables: couponOffer(n).variables })),
    });
    expect(batch.status).toBe(200);
    expect(batch.body).toMatchObject({
      accepted: 1,
      rejected: [{ index: 0, error: { code: 'recipient_opted_out' } }],
      message_ids: [null, expect.stringMatching(/^msg_/)],
    });
    expect(batch.body.rejected[0].error.message).toMatch(/^messages\[0\]: 919820005001 opted out of marketing/);
    expect(await messagesTo(ANANYA)).toEqual(['UTILITY']);

    const allOptedOut = await api('POST', '/send-batch', {
      phone_number_id: DEMO.metaPhoneNumberId,
      template_id: templateFixtures.coupon_offer!.id,
      messages: [{ phone_number: ANANYA, variables: couponOffer(ANANYA).variables }],
    });
    expect(allOptedOut.status).toBe(422);
    expect(allOptedOut.body.error.code).toBe('no_valid_messages');

    const utility = await api('POST', '/send-batch', {
      phone_number_id: DEMO.metaPhoneNumberId,
      template_id: templateFixtures.order_update!.id,
      messages: [{ phone_number: ANANYA, variables: orderUpdateRequest().variables }],
    });
    expect(utility.body).toMatchObject({ accepted: 1, rejected: [] });
    await expectWalletInvariant(db(), accountId);
  });

  it('only a whole-message keyword opts out; Hindi and button replies count; START opts back in', async () => {
    await reply(RAVI, 'Ravi', text('please stop calling me about the old order'));
    await reply(MEERA, 'Meera', text('रोकें'));
    await reply(KABIR, 'Kabir', { type: 'button', button: { payload: 'offer-optout', text: 'Unsubscribe' } });
    expect(await contactOf(MEERA, (c) => c.opted_out)).toMatchObject({ opt_out_keyword: 'रोकें' });
    expect(await contactOf(KABIR, (c) => c.opted_out)).toMatchObject({ opt_out_keyword: 'UNSUBSCRIBE' });
    expect(await contactOf(RAVI)).toMatchObject({ opted_out: false, profile_name: 'Ravi' });

    await reply(ANANYA, 'Ananya R.', text('START'));
    const back = await contactOf(ANANYA, (c) => !c.opted_out);
    expect(back).toMatchObject({ opted_out_at: null, opt_out_reason: null, opt_changed_at: expect.any(String) });
    await sendAccepted(stack, apiKey, couponOffer(ANANYA));

    // A STOP Meta delivers late, older than that START, does not undo it.
    await reply(ANANYA, 'Ananya R.', text('STOP'), Math.floor(Date.parse(back.opt_changed_at) / 1000) - 30);
    await waitFor(
      async () =>
        (
          await db()
            .selectFrom('message_events')
            .select('id')
            .where('kind', '=', 'message')
            .where('applied_at', 'is', null)
            .execute()
        ).length === 0,
      { what: 'every inbound message applied' },
    );
    expect((await contactOf(ANANYA)).opted_out).toBe(false);
  });

  it("Meta's 131050 on a status opts the recipient out; the next marketing send is refused", async () => {
    const id = await sendAccepted(stack, apiKey, couponOffer(STOPPED_AT_META));
    const failed = await waitForMessage(
      stack,
      apiKey,
      id,
      (b) => b.status === 'failed' && b.charge.state === 'refunded',
    );
    expect(failed.error).toMatchObject({ code: 131050, source: 'meta' });
    const contact = await contactOf(STOPPED_AT_META, (c) => c.opted_out);
    expect(contact).toMatchObject({
      opt_out_reason: 'meta_131050',
      opt_out_keyword: null,
      profile_name: null,
      last_inbound_at: null,
    });
    const refused = await api('POST', '/send-message', couponOffer(STOPPED_AT_META));
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('recipient_opted_out');
    expect(refused.body.error.message).toContain('131050');
    await sendAccepted(stack, apiKey, orderUpdateRequest(STOPPED_AT_META));
    await expectWalletInvariant(db(), accountId);
  });

  it("Meta's 131050 in the send's answer opts the recipient out too", async () => {
    // The fault takes the next send, whoever it is to: nothing else may be on its way.
    await waitForQueueEmpty(stack);
    stack.sim.control.addFault({ kind: 'error', route: 'messages', code: 131050, httpStatus: 400, count: 1 });
    const id = await sendAccepted(stack, apiKey, couponOffer(STOPPED_IN_ANSWER));
    const failed = await waitForMessage(stack, apiKey, id, (b) => b.status === 'failed');
    expect(failed.error).toMatchObject({ code: 131050 });
    expect(await contactOf(STOPPED_IN_ANSWER, (c) => c.opted_out)).toMatchObject({ opt_out_reason: 'meta_131050' });
    expect((await api('POST', '/send-message', couponOffer(STOPPED_IN_ANSWER))).status).toBe(422);
    await expectWalletInvariant(db(), accountId);
  });

  it('PATCH sets tags and attributes and opts out by hand; the list filters and pages', async () => {
    const ravi = await contactOf(RAVI);
    const patched = await api('PATCH', `/contacts/${ravi.id}`, {
      tags: ['vip', 'pune', 'vip'],
      attributes: { city: 'Pune', orders: 3, note: 'x' },
      opted_out: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      tags: ['vip', 'pune'],
      attributes: { city: 'Pune', orders: 3, note: 'x' },
      opted_out: true,
      opt_out_reason: 'manual',
    });
    const merged = await api('PATCH', `/contacts/${ravi.id}`, { attributes: { orders: 4, note: null } });
    expect(merged.body.attributes).toEqual({ city: 'Pune', orders: 4 });
    expect((await api('POST', '/send-message', couponOffer(RAVI))).body.error.code).toBe('recipient_opted_out');

    const optedOut = (await api('GET', '/contacts?opted_out=true')).body.contacts.map((c: any) => c.phone_number);
    expect(optedOut.sort()).toEqual([RAVI, MEERA, KABIR, STOPPED_AT_META, STOPPED_IN_ANSWER].sort());
    expect((await api('GET', '/contacts?tag=vip')).body.contacts.map((c: any) => c.id)).toEqual([ravi.id]);

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: any } = await api('GET', `/contacts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(...body.contacts.map((c: any) => c.phone_number));
      cursor = body.next_cursor;
    } while (cursor);
    expect(pages.sort()).toEqual([ANANYA, RAVI, MEERA, KABIR, STOPPED_AT_META, STOPPED_IN_ANSWER].sort());

    const back = await api('PATCH', `/contacts/${ravi.id}`, { opted_out: false });
    expect(back.body).toMatchObject({ opted_out: false, opted_out_at: null });
    await sendAccepted(stack, apiKey, couponOffer(RAVI));

    for (const [path, code] of [
      ['/contacts?cursor=nope', 'invalid_request'],
      ['/contacts?number=12', 'invalid_request'],
      ['/contacts?opted_out=maybe', 'invalid_request'],
    ] as const) {
      const response = await api('GET', path);
      expect(response.status, path).toBe(400);
      expect(response.body.error.code).toBe(code);
    }
    expect((await api('PATCH', `/contacts/${ravi.id}`, {})).status).toBe(400);
  });

  it("another account's contact is a 404 and not in its list", async () => {
    const ravi = await contactOf(RAVI);
    const other = await stack.admin.createAccount({ name: 'Other', waba_id: '555000111777' });
    const { key: otherKey } = await stack.admin.createApiKey(other.id, { name: 'other' });
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { opted_out: true }],
    ] as const) {
      const response = await api(method, `/contacts/${ravi.id}`, body, otherKey);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('contact_not_found');
    }
    expect((await api('GET', '/contacts', undefined, otherKey)).body).toEqual({ contacts: [], next_cursor: null });
    expect((await contactOf(RAVI)).opted_out).toBe(false);
  });
});
