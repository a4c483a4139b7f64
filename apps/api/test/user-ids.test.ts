import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeMarketingHolds, knownAddresses } from '@dak/db';
import {
  couponOfferRequest,
  DEMO,
  expectWalletInvariant,
  messageStatus,
  orderUpdateRequest,
  startStack,
  waitFor,
  waitForMessage,
  type TestStack,
} from '@dak/dev-env';

// Meta's business-scoped user ids (2026): a customer who adopted a username writes with no
// number, and a send names such a customer in Meta's `recipient` field instead of `to`.
const ASHA = 'IN.7700112233445566'; // known only by her user id
const RAVI_NUMBER = '919820007101';
const RAVI = 'IN.7700112233449999'; // known by number too: his first message showed both
const STRANGER = 'US.13491208655302741918';

describe('customers known by business-scoped user id, through meta-sim', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({ metaSim: { webhookDelaysMs: { sent: 20, delivered: 40, read: 60 } } });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '10.00' }));
  });
  afterAll(() => stack?.close());

  const api = (method: string, path: string, body?: unknown) =>
    stack.call(method, `/api/whatsapp/v1${path}`, { key: apiKey, body });
  const sessionText = (to: Record<string, string>, body: string) =>
    api('POST', '/send-session-message', {
      phone_number_id: DEMO.metaPhoneNumberId,
      ...to,
      type: 'text',
      text: { body },
    });
  /** The send bodies meta-sim received, parsed, in order. */
  const metaBodies = () =>
    stack.sim.control.requests({ route: 'messages', method: 'POST' }).map((r) => JSON.parse(r.body) as any);

  function simWrites(from: { from?: string; user_id?: string; username?: string }, name: string, text: string) {
    const { id } = stack.sim.control.inbound({ phone_number_id: DEMO.metaPhoneNumberId, ...from, name, text });
    stack.webhooks.applier.kick();
    return id;
  }
  const conversationOf = (match: (contact: any) => boolean, done: (c: any) => boolean = () => true) =>
    waitFor(
      async () => {
        const found = (await api('GET', '/conversations?limit=200')).body.conversations?.find((c: any) =>
          match(c.contact),
        );
        return found && done(found) ? found : undefined;
      },
      { what: 'the conversation' },
    );

  it('a customer with only a user id writes, is answered by `recipient`, and every status applies', async () => {
    const wamid = simWrites({ user_id: ASHA, username: 'asha.rao' }, 'Asha', 'Is my order on its way?');
    const conversation = await conversationOf((c) => c.user_id === ASHA);
    expect(conversation.contact).toMatchObject({ phone_number: null, user_id: ASHA, profile_name: 'Asha' });
    expect(conversation.window.open).toBe(true);
    expect(conversation.unread_count).toBe(1);

    const contacts = await api('GET', `/contacts?user_id=${ASHA}`);
    expect(contacts.body.contacts).toEqual([
      expect.objectContaining({ phone_number: null, user_id: ASHA, profile_name: 'Asha' }),
    ]);

    const reply = await sessionText({ user_id: ASHA }, 'Yes, it ships today.');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const template = await api('POST', '/send-message', {
      ...orderUpdateRequest(),
      phone_number: undefined,
      user_id: ASHA,
    });
    expect(template.status, JSON.stringify(template.body)).toBe(200);

    // meta-sim reports on them with recipient_user_id and no recipient_id: they apply all the same.
    const replied = await waitForMessage(stack, apiKey, reply.body.message_id, 'read');
    expect(replied).toMatchObject({ phone_number: null, user_id: ASHA, kind: 'session' });
    // Pricing comes with Meta's first status webhook, which may land after the worker's own `sent`.
    const sent = await waitForMessage(stack, apiKey, template.body.message_id, (m) => m.pricing !== null);
    expect(sent).toMatchObject({ phone_number: null, user_id: ASHA, pricing: { category: 'utility' } });
    expect(['sent', 'delivered', 'read']).toContain(sent.status);

    const bodies = metaBodies().filter((b) => b.recipient === ASHA);
    expect(bodies.map((b) => b.type)).toEqual(['text', 'template']);
    for (const body of bodies) expect(body).not.toHaveProperty('to');

    const listed = await api('GET', `/messages?user_id=${ASHA}`);
    expect(listed.body.messages.map((m: any) => m.message_id).sort()).toEqual(
      [reply.body.message_id, template.body.message_id].sort(),
    );
    const thread = await api('GET', `/conversations/${conversation.id}/messages`);
    expect(thread.body.messages.map((m: any) => m.direction)).toEqual(['outbound', 'outbound', 'inbound']);
    expect(thread.body.messages[2]).toMatchObject({ wamid, text: 'Is my order on its way?' });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('a user id the account knows by number goes to that number: one contact, one conversation', async () => {
    simWrites({ from: RAVI_NUMBER, user_id: RAVI }, 'Ravi', 'Hello');
    const byNumber = await conversationOf((c) => c.phone_number === RAVI_NUMBER);
    expect(byNumber.contact).toMatchObject({ phone_number: RAVI_NUMBER, user_id: RAVI });

    // He adopts a username: Meta withholds his number; Dak still files him under it.
    simWrites({ user_id: RAVI }, 'Ravi', 'Any news?');
    const after = await conversationOf(
      (c) => c.user_id === RAVI,
      (c) => c.unread_count === 2,
    );
    expect(after.id).toBe(byNumber.id);
    expect(after.contact.phone_number).toBe(RAVI_NUMBER);
    const conversations = (await api('GET', '/conversations?limit=200')).body.conversations;
    expect(conversations.filter((c: any) => c.contact.user_id === RAVI)).toHaveLength(1);
    expect((await api('GET', `/contacts?user_id=${RAVI}`)).body.contacts).toHaveLength(1);

    // A send naming his user id goes to his number, in his one conversation.
    const reply = await sessionText({ user_id: RAVI }, 'Tomorrow.');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const status = await waitForMessage(stack, apiKey, reply.body.message_id, 'read');
    expect(status).toMatchObject({ phone_number: RAVI_NUMBER, user_id: null });
    expect(metaBodies().filter((b) => b.to === RAVI_NUMBER && b.type === 'text')).toHaveLength(1);
  });

  it('a customer first seen by user id, then with their number, is one thread with one window', async () => {
    const KIRAN = 'IN.7700112233441111';
    const KIRAN_NUMBER = '919820007202';
    simWrites({ user_id: KIRAN }, 'Kiran', 'Hi, it is Kiran');
    const earlier = await conversationOf((c) => c.user_id === KIRAN);
    const reply = await sessionText({ user_id: KIRAN }, 'Hello Kiran');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    await waitForMessage(stack, apiKey, reply.body.message_id, 'read');

    // His next message shows his number: from now on he is filed under it.
    simWrites({ from: KIRAN_NUMBER, user_id: KIRAN }, 'Kiran', 'My number, for the courier');
    const thread = await conversationOf((c) => c.phone_number === KIRAN_NUMBER);
    const listed = (await api('GET', '/conversations?limit=200')).body.conversations.filter(
      (c: any) => c.contact.user_id === KIRAN,
    );
    expect(listed.map((c: any) => c.id)).toEqual([thread.id]);
    expect(thread).toMatchObject({
      contact: { phone_number: KIRAN_NUMBER, user_id: KIRAN },
      unread_count: 2,
      window: { open: true },
      last_message: { direction: 'inbound', text: 'My number, for the courier' },
    });

    // Its messages are both conversations', newest first; the earlier one still answers alone.
    const messages = (await api('GET', `/conversations/${thread.id}/messages`)).body.messages;
    expect(messages.map((m: any) => [m.direction, m.text ?? m.session?.content?.body])).toEqual([
      ['inbound', 'My number, for the courier'],
      ['outbound', 'Hello Kiran'],
      ['inbound', 'Hi, it is Kiran'],
    ]);
    const paged = await api('GET', `/conversations/${thread.id}/messages?limit=2`);
    const rest = await api('GET', `/conversations/${thread.id}/messages?limit=2&cursor=${paged.body.next_cursor}`);
    expect([...paged.body.messages, ...rest.body.messages].map((m: any) => m.id)).toEqual(
      messages.map((m: any) => m.id),
    );
    expect((await api('GET', `/conversations/${earlier.id}/messages`)).body.messages).toHaveLength(2);

    const read = await api('POST', `/conversations/${thread.id}/read`);
    expect(read.body).toMatchObject({ marked_read: 2, read_receipt: { sent: true } });
    expect((await conversationOf((c) => c.phone_number === KIRAN_NUMBER)).unread_count).toBe(0);
    expect((await api('GET', `/conversations/${earlier.id}/messages`)).body.messages[1].read_at).not.toBeNull();
  });

  it("another account's contacts do not resolve a user id", async () => {
    const other = await stack.admin.createAccount({ name: 'Other', waba_id: '900000000000077' });
    const mine = await knownAddresses(stack.api.ctx.db, [{ accountId, address: RAVI }]);
    const theirs = await knownAddresses(stack.api.ctx.db, [{ accountId: other.id, address: RAVI }]);
    expect(mine(accountId, RAVI)).toBe(RAVI_NUMBER);
    expect(theirs(other.id, RAVI)).toBe(RAVI);
  });

  it('a user id nobody wrote from is sent as given; a STOP from a user id blocks marketing to it', async () => {
    // A template needs no window: a user id the account never heard from goes to Meta as given.
    const cold = await api('POST', '/send-message', {
      ...orderUpdateRequest(),
      phone_number: undefined,
      user_id: STRANGER,
    });
    expect(cold.status, JSON.stringify(cold.body)).toBe(200);
    await waitFor(async () => metaBodies().find((b) => b.recipient === STRANGER), { what: 'the send to Meta' });

    const closed = await sessionText({ user_id: STRANGER }, 'Hi');
    expect(closed.status).toBe(422);
    expect(closed.body.error).toMatchObject({
      code: 'window_closed',
      details: { phone_number: null, user_id: STRANGER, window_closed_at: null },
    });

    simWrites({ user_id: ASHA }, 'Asha', 'STOP');
    await waitFor(
      async () => ((await api('GET', `/contacts?user_id=${ASHA}`)).body.contacts[0]?.opted_out ? true : undefined),
      { what: 'the opt-out' },
    );
    const marketing = await api('POST', '/send-message', {
      ...couponOfferRequest(),
      phone_number: undefined,
      user_id: ASHA,
    });
    expect(marketing.status).toBe(422);
    expect(marketing.body.error.code).toBe('recipient_opted_out');
    const utility = await api('POST', '/send-message', {
      ...orderUpdateRequest(),
      phone_number: undefined,
      user_id: ASHA,
    });
    expect(utility.status).toBe(200);

    const { phone_number_id, template_id } = couponOfferRequest();
    const batch = await api('POST', '/send-batch', {
      phone_number_id,
      template_id,
      messages: [
        { user_id: ASHA, variables: couponOfferRequest().variables },
        { user_id: STRANGER, variables: couponOfferRequest().variables },
        { user_id: 'not-a-user-id', variables: couponOfferRequest().variables },
      ],
    });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    expect(batch.body.accepted).toBe(1);
    expect(batch.body.rejected.map((r: any) => [r.index, r.error.code])).toEqual([
      [0, 'recipient_opted_out'],
      [2, 'invalid_user_id'],
    ]);
  });

  it('a STOP given under the user id still holds once the customer is known by number, until a later START', async () => {
    const meera = 'IN.7700112233440001';
    const meeraNumber = '919820007102';
    const marketingTo = (to: Record<string, string>) =>
      api('POST', '/send-message', { ...couponOfferRequest(), phone_number: undefined, ...to });
    const optedOut = async (done: (contact: any) => boolean) =>
      waitFor(
        async () => {
          const contacts = (await api('GET', `/contacts?user_id=${meera}`)).body.contacts ?? [];
          return contacts.some(done) ? contacts : undefined;
        },
        { what: "Meera's contacts" },
      );

    simWrites({ user_id: meera }, 'Meera', 'STOP');
    await optedOut((c) => c.opted_out && c.phone_number === null);
    // Later a message of hers shows her number too: a second contact, under the number.
    simWrites({ from: meeraNumber, user_id: meera }, 'Meera', 'Where is my parcel?');
    await optedOut((c) => c.phone_number === meeraNumber);
    for (const to of [{ user_id: meera }, { phone_number: meeraNumber }] as Record<string, string>[]) {
      const refused = await marketingTo(to);
      expect(refused.status, JSON.stringify(to)).toBe(422);
      expect(refused.body.error.code).toBe('recipient_opted_out');
    }

    simWrites({ from: meeraNumber, user_id: meera }, 'Meera', 'START');
    await optedOut((c) => c.phone_number === meeraNumber && c.opt_changed_at !== null);
    const accepted = await marketingTo({ user_id: meera });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
  });

  it('a 131049 taken under the user id holds marketing once the customer is known by number', async () => {
    const kiran = 'IN.7700112233440003';
    const kiranNumber = '919820007103';
    stack.sim.control.addSpecialRecipient({ prefix: kiran, behaviour: 'marketing_limit' });
    const marketingTo = async (to: Record<string, string>) => {
      const sent = await api('POST', '/send-message', { ...couponOfferRequest(), phone_number: undefined, ...to });
      expect(sent.status, JSON.stringify(sent.body)).toBe(200);
      return sent.body.message_id as string;
    };

    const limited = await marketingTo({ user_id: kiran });
    const failed = await waitForMessage(stack, apiKey, limited, (m) => m.status === 'failed');
    expect(failed.error).toMatchObject({ code: 131049 });
    expect(await activeMarketingHolds(stack.api.ctx.db, accountId, [kiran])).toHaveLength(1);

    // Kiran writes with his number: sends by his user id now go to the number, and so does the hold.
    simWrites({ from: kiranNumber, user_id: kiran }, 'Kiran', 'Hello');
    await conversationOf((c) => c.phone_number === kiranNumber);
    const held = await marketingTo({ user_id: kiran });
    const utility = await api('POST', '/send-message', {
      ...orderUpdateRequest(),
      phone_number: undefined,
      user_id: kiran,
    });
    expect(utility.status, JSON.stringify(utility.body)).toBe(200);
    await waitForMessage(stack, apiKey, utility.body.message_id, 'read');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await messageStatus(stack, apiKey, held)).toMatchObject({ status: 'queued', phone_number: kiranNumber });
    expect(
      metaBodies()
        .filter((b) => b.to === kiranNumber)
        .map((b) => b.template.name),
    ).toEqual(['order_update']);
  });

  it('names the recipient one way: both, neither or a malformed user id is a 400 that says how', async () => {
    const both = await api('POST', '/send-message', { ...orderUpdateRequest(), user_id: ASHA });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/user_id: give either phone_number .* or user_id .*, not both/);

    const neither = await sessionText({}, 'Hi');
    expect(neither.status).toBe(400);
    expect(neither.body.error.message).toMatch(/phone_number: required: phone_number .* or user_id/);

    const malformed = await api('POST', '/send-message', {
      ...orderUpdateRequest(),
      phone_number: undefined,
      user_id: 'in.1234',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 'invalid_user_id', details: { field: 'user_id' } });
    expect(malformed.body.error.message).toMatch(/US\.13491208655302741918/);

    const badFilter = await api('GET', '/messages?user_id=919820388810');
    expect(badFilter.status).toBe(400);
    const bothFilters = await api('GET', `/messages?phone_number=919820388810&user_id=${ASHA}`);
    expect(bothFilters.status).toBe(400);
    expect(bothFilters.body.error.message).toMatch(/user_id: give phone_number or user_id, not both/);
    const badContactFilter = await api('GET', '/contacts?user_id=nope');
    expect(badContactFilter.status).toBe(400);
  });
});
