import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '@dak/db';
import {
  announced,
  DEMO,
  expectWalletInvariant,
  messagesEnvelope,
  orderUpdateRequest,
  postSignedWebhook,
  startStack,
  waitFor,
  waitForMessage,
  type TestStack,
} from '@dak/dev-env';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const NEHA = '919820007001';
const OLD = '919820007002';
const NEVER = '919820007003';
const DAK_ONLY = '919820007004';
const TIERED = '919820007005';
const HOUR = 60 * 60 * 1000;

describe('session messages: replies inside the 24-hour window, through meta-sim', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({ metaSim: { webhookDelaysMs: { sent: 20, delivered: 40, read: 60 } } });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '10.00' }));
  });
  afterAll(() => stack?.close());

  /** An admin change of the account, answered once the API's caches have heard of it. */
  const setAccount = (patch: Parameters<TestStack['admin']['updateAccount']>[1]) =>
    announced(stack.api.ctx.changes, 'accounts', accountId, () => stack.admin.updateAccount(accountId, patch));
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    stack.call(method, `/api/whatsapp/v1${path}`, { key: apiKey, body, ...(headers ? { headers } : {}) });
  const session = (to: string, fields: Record<string, unknown>, headers?: Record<string, string>) =>
    api(
      'POST',
      '/send-session-message',
      { phone_number_id: DEMO.metaPhoneNumberId, phone_number: to, ...fields },
      headers,
    );
  const storedFor = async (recipient: string) =>
    (
      await sql<{
        n: number;
      }>`select count(*)::int as n from messages where account_id = ${accountId} and recipient = ${recipient}`.execute(
        stack.api.ctx.db,
      )
    ).rows[0]!.n;
  /** A message's ledger entries in order, as [kind, amount in minor units]. */
  const ledgerOf = async (messageId: string) =>
    (
      await stack.api.ctx.db
        .selectFrom('ledger_entries')
        .select(['kind', 'amount_minor'])
        .where('message_id', '=', messageId)
        .orderBy('id')
        .execute()
    ).map((e) => [e.kind, Number(e.amount_minor)]);
  /** The send bodies meta-sim received for `to`, parsed, in order. */
  const metaBodies = (to: string) =>
    stack.sim.control
      .requests({ route: 'messages', method: 'POST' })
      .map((r) => JSON.parse(r.body) as any)
      .filter((body) => body.to === to);

  /** A customer writes through meta-sim: its window opens there, and the webhook reaches Dak. */
  function simReply(from: string, text: string): string {
    const { id } = stack.sim.control.inbound({ phone_number_id: DEMO.metaPhoneNumberId, from, name: 'Neha', text });
    stack.webhooks.applier.kick();
    return id;
  }

  /** An inbound message POSTed signed to the receiver only (meta-sim does not know of it). */
  async function postInbound(from: string, at: Date, wamid: string) {
    const response = await postSignedWebhook(
      stack,
      messagesEnvelope({
        contacts: [{ profile: { name: 'Someone' }, wa_id: from }],
        messages: [
          { from, id: wamid, timestamp: String(Math.floor(at.getTime() / 1000)), type: 'text', text: { body: 'hi' } },
        ],
      }),
    );
    expect(response.status).toBe(200);
    stack.webhooks.applier.kick();
  }

  const conversationWith = (number: string, done: (c: any) => boolean = () => true): Promise<any> =>
    waitFor(
      async () => {
        const { body } = await api('GET', '/conversations?limit=200');
        const found = body.conversations?.find((c: any) => c.contact.phone_number === number);
        return found && done(found) ? found : undefined;
      },
      { what: `conversation with ${number}` },
    );

  it("a customer's reply opens the window; a text and an uploaded image go back and reach read", async () => {
    const wamid = simReply(NEHA, 'Where is my order?');
    const conversation = await conversationWith(NEHA);
    expect(conversation.window.open).toBe(true);

    const text = await session(NEHA, { type: 'text', text: { body: 'It ships today.' }, reply_to: wamid });
    expect(text.status, JSON.stringify(text.body)).toBe(200);
    expect(text.body).toEqual({ success: true, message_id: expect.stringMatching(/^msg_/), status: 'queued' });

    const form = new FormData();
    form.append('phone_number_id', DEMO.metaPhoneNumberId);
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'invoice.png');
    const uploaded = await fetch(`${stack.api.url}/api/whatsapp/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const mediaId = ((await uploaded.json()) as { id: string }).id;
    const image = await session(NEHA, { type: 'image', image: { id: mediaId, caption: 'Your invoice' } });
    expect(image.status, JSON.stringify(image.body)).toBe(200);

    const textRead = await waitForMessage(
      stack,
      apiKey,
      text.body.message_id,
      (b) => b.status === 'read' && b.pricing !== null,
    );
    expect(textRead).toMatchObject({
      kind: 'session',
      template_id: null,
      template_name: null,
      session: { type: 'text', content: { body: 'It ships today.' }, reply_to: wamid },
      phone_number: NEHA,
      error: null,
      charge: { amount: '0.00', currency: 'INR' },
      pricing: { model: 'PMP', category: 'service', type: 'free_customer_service' },
    });
    expect(['captured', 'waived']).toContain(textRead.charge.state);
    const imageRead = await waitForMessage(stack, apiKey, image.body.message_id, 'read');
    expect(imageRead.session).toEqual({
      type: 'image',
      content: { id: mediaId, caption: 'Your invoice' },
      reply_to: null,
    });

    // Meta received exactly the session bodies, reply_to as context, Dak's id echoed back.
    expect(metaBodies(NEHA)).toEqual([
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: NEHA,
        type: 'text',
        text: { body: 'It ships today.' },
        context: { message_id: wamid },
        biz_opaque_callback_data: text.body.message_id,
      },
      {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: NEHA,
        type: 'image',
        image: { id: mediaId, caption: 'Your invoice' },
        biz_opaque_callback_data: image.body.message_id,
      },
    ]);

    // The conversation shows both, newest first, with the inbound message they answer.
    const { body: page } = await api('GET', `/conversations/${conversation.id}/messages`);
    expect(page.messages.map((m: any) => [m.direction, m.type, m.text])).toEqual([
      ['outbound', 'image', 'Your invoice'],
      ['outbound', 'text', 'It ships today.'],
      ['inbound', 'text', 'Where is my order?'],
    ]);
    expect(page.messages[1]).toMatchObject({ template: null, context: { wamid }, status: 'read' });
    const after = await conversationWith(NEHA, (c) => c.last_message.direction === 'outbound');
    expect(after.last_message).toMatchObject({ type: 'image', text: 'Your invoice' });

    // The messages list shows them too; reply_to by Dak's id of the inbound message resolves to its wamid.
    const { body: list } = await api('GET', `/messages?phone_number=${NEHA}`);
    expect(list.messages.map((m: any) => m.kind)).toEqual(['session', 'session']);
    const inboundId = page.messages[2].id;
    const byId = await session(NEHA, { type: 'reaction', reaction: { message_id: inboundId, emoji: '👍' } });
    expect(byId.status, JSON.stringify(byId.body)).toBe(200);
    await waitForMessage(stack, apiKey, byId.body.message_id, 'read');
    expect(metaBodies(NEHA)[2]).toMatchObject({ type: 'reaction', reaction: { message_id: wamid, emoji: '👍' } });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('after the window closed, or when the customer never wrote: 422 window_closed, nothing stored or held', async () => {
    const at = new Date(Date.now() - 25 * HOUR);
    await postInbound(OLD, at, 'wamid.session.old.1');
    const conversation = await conversationWith(OLD);
    expect(conversation.window.open).toBe(false);
    const before = await stack.admin.wallet(accountId);

    const closed = await session(OLD, { type: 'text', text: { body: 'Hello again' } });
    expect(closed.status).toBe(422);
    expect(closed.body.error.code).toBe('window_closed');
    expect(closed.body.error.message).toContain(`closed at ${conversation.window.until}`);
    expect(closed.body.error.message).toMatch(/template \(POST \/api\/whatsapp\/v1\/send-message\)/);
    expect(closed.body.error.details).toEqual({
      phone_number: OLD,
      user_id: null,
      window_closed_at: conversation.window.until,
    });

    const never = await session(NEVER, { type: 'text', text: { body: 'Hello' } });
    expect(never.status).toBe(422);
    expect(never.body.error.message).toMatch(/has never written to this number/);
    expect(never.body.error.details.window_closed_at).toBeNull();

    expect(await storedFor(OLD)).toBe(0);
    expect(await storedFor(NEVER)).toBe(0);
    expect(await stack.admin.wallet(accountId)).toEqual(before);
  });

  it("Meta's 131047 (its window closed first) fails the message and releases the hold at the session price", async () => {
    expect((await setAccount({ session_price: '0.05' })).session_price).toBe('0.05');
    // Dak records the reply, but meta-sim never saw it: Meta answers 131047.
    await postInbound(DAK_ONLY, new Date(), 'wamid.session.dakonly.1');
    await conversationWith(DAK_ONLY, (c) => c.window.open);
    const sent = await session(DAK_ONLY, { type: 'text', text: { body: 'Thanks!' } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const failed = await waitForMessage(stack, apiKey, sent.body.message_id, 'failed');
    expect(failed).toMatchObject({
      error: { code: 131047, source: 'meta' },
      charge: { amount: '0.05', state: 'released' },
    });
    expect(await ledgerOf(sent.body.message_id)).toEqual([
      ['hold', 5],
      ['release', 5],
    ]);
    // Sent once: no retry.
    expect(metaBodies(DAK_ONLY)).toHaveLength(1);
    expect((await setAccount({ session_price: '0.00' })).session_price).toBe('0.00');
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('a session_price is charged although Meta reports the message free: it is the price of free service messages', async () => {
    expect((await setAccount({ session_price: '0.07' })).session_price).toBe('0.07');
    const sent = await session(NEHA, { type: 'text', text: { body: 'Anything else?' } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const read = await waitForMessage(stack, apiKey, sent.body.message_id, (b) => b.status === 'read' && b.pricing);
    expect(read).toMatchObject({
      pricing: { category: 'service', type: 'free_customer_service' },
      charge: { amount: '0.07', state: 'captured' },
    });
    expect(await ledgerOf(sent.body.message_id)).toEqual([
      ['hold', 7],
      ['capture', 7],
    ]);
    expect((await setAccount({ session_price: '0.00' })).session_price).toBe('0.00');
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('an Idempotency-Key replays the first answer and sends nothing new', async () => {
    const body = { type: 'text', text: { body: 'Once only' } };
    const first = await session(NEHA, body, { 'Idempotency-Key': 'session-once' });
    const again = await session(NEHA, body, { 'Idempotency-Key': 'session-once' });
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await session(NEHA, { type: 'text', text: { body: 'Other' } }, { 'Idempotency-Key': 'session-once' });
    expect(other.status).toBe(409);
  });

  it('400 for what Meta would refuse, each field named; nothing stored', async () => {
    const before = await storedFor(NEHA);
    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'text', text: { body: 'x'.repeat(4097) } }, 'text.body'],
      [{ type: 'text', text: { body: '' } }, 'text.body'],
      [{ type: 'text' }, 'text'],
      [{ type: 'image', image: { id: '1', link: 'https://example.com/a.png' } }, 'image.id'],
      [{ type: 'image', image: {} }, 'image.id'],
      [{ type: 'image', image: { id: '1', caption: 'c'.repeat(1025) } }, 'image.caption'],
      [{ type: 'video', video: { link: 'ftp://example.com/a.mp4' } }, 'video.link'],
      [{ type: 'location', location: { latitude: 91, longitude: 0 } }, 'location.latitude'],
      [{ type: 'reaction', reaction: { emoji: '👍' } }, 'reaction.message_id'],
      [{ type: 'interactive', interactive: { type: 'button', body: { text: 'Pick' } } }, 'interactive.action'],
      [{ type: 'text', text: { body: 'hi', extra: true } }, 'text'],
      [{ type: 'template', template: { name: 'x' } }, 'type'],
      [{ text: { body: 'hi' } }, 'type'],
    ];
    for (const [fields, path] of cases) {
      const response = await session(NEHA, fields);
      expect(response.status, JSON.stringify(fields)).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      const paths = response.body.error.details.issues.map((i: any) => i.path);
      expect(paths, JSON.stringify(fields)).toContain(path);
    }
    const noPhone = await api('POST', '/send-session-message', { type: 'text', text: { body: 'hi' } });
    expect(noPhone.status).toBe(400);
    const badReply = await session(NEHA, {
      type: 'text',
      text: { body: 'hi' },
      reply_to: 'msg_01NOSUCHMESSAGE0000000000',
    });
    expect(badReply.status).toBe(422);
    expect(badReply.body.error.code).toBe('reply_to_not_found');
    expect(await storedFor(NEHA)).toBe(before);
  });

  it('session messages do not count toward the messaging tier, and go in the fastest lane', async () => {
    simReply(TIERED, 'Hi');
    await conversationWith(TIERED, (c) => c.window.open);
    expect((await setAccount({ messaging_tier: 250 })).messaging_tier).toBe(250);
    // The day's 250 unique users are used up.
    await sql`insert into recipient_reach (account_id, recipient, last_sent_at)
      select ${accountId}, (919000000000 + n)::text, now() from generate_series(1, 250) n
      on conflict do nothing`.execute(stack.api.ctx.db);
    const template = await api('POST', '/send-message', orderUpdateRequest(TIERED));
    expect(template.status).toBe(422);
    expect(template.body.error.code).toBe('messaging_limit_exceeded');

    const reply = await session(TIERED, {
      type: 'location',
      location: { latitude: 19.076, longitude: 72.8777, name: 'Store' },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const { rows } = await sql<{
      lane: number;
    }>`select dak_lane(priority, template_category) as lane from messages where id = ${reply.body.message_id}`.execute(
      stack.api.ctx.db,
    );
    expect(rows[0]!.lane).toBe(0);
    await waitForMessage(stack, apiKey, reply.body.message_id, 'read');
    const reach = await stack.api.ctx.db
      .selectFrom('recipient_reach')
      .select('recipient')
      .where('account_id', '=', accountId)
      .where('recipient', '=', TIERED)
      .execute();
    expect(reach).toEqual([]);
    expect((await setAccount({ messaging_tier: 'unlimited' })).messaging_tier).toBe('unlimited');
  });
});
