import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationId } from '@dak/core';
import { sql } from '@dak/db';
import {
  DEMO,
  messagesEnvelope,
  orderUpdateRequest,
  postSignedWebhook,
  seedAccount,
  sendAccepted,
  startStack,
  waitFor,
  waitForMessage,
  type TestStack,
} from '@dak/dev-env';

const PRIYA = '919820006001';
const ARJUN = '919820006002';
const OLD_CUSTOMER = '919820006003';
const AD_CLICKER = '919820006004';
const HOUR = 60 * 60 * 1000;

describe('conversations', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({ metaSim: { webhookDelaysMs: { sent: 20, delivered: 40, read: 60 } } });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '100.00' }));
  });
  afterAll(() => stack?.close());
  const api = (method: string, path: string, key = apiKey) => stack.call(method, `/api/whatsapp/v1${path}`, { key });

  /** A customer writes through meta-sim (which then knows the message, as Meta does for read receipts). */
  function simReply(
    from: string,
    input: { text?: string; button?: { payload: string; text: string }; context_id?: string },
  ) {
    const { id } = stack.sim.control.inbound({
      phone_number_id: DEMO.metaPhoneNumberId,
      from,
      name: `Customer ${from.slice(-2)}`,
      ...input,
    });
    stack.webhooks.applier.kick();
    return id;
  }

  /** Inbound messages POSTed signed to the receiver, as Meta delivers them. */
  async function postInbound(from: string, messages: Record<string, unknown>[], envelope = {}) {
    const response = await postSignedWebhook(
      stack,
      messagesEnvelope(
        {
          contacts: [{ profile: { name: 'Old Customer' }, wa_id: from }],
          messages: messages.map((m) => ({ from, ...m })),
        },
        envelope,
      ),
    );
    expect(response.status).toBe(200);
    stack.webhooks.applier.kick();
  }

  /** The conversation with a number once it satisfies `done`. */
  function conversationWith(number: string, done: (c: any) => boolean = () => true, key = apiKey): Promise<any> {
    return waitFor(
      async () => {
        const { body } = await api('GET', '/conversations?limit=200', key);
        const found = body.conversations?.find((c: any) => c.contact.phone_number === number);
        return found && done(found) ? found : undefined;
      },
      { what: `conversation with ${number}` },
    );
  }

  it("a customer's reply appears in its conversation: window open for 24 h, unread 1", async () => {
    const before = Date.now();
    const wamid = simReply(PRIYA, { text: 'Is my order shipped?' });
    const conversation = await conversationWith(PRIYA);
    expect(conversation).toMatchObject({
      id: conversationId(accountId, await senderId(), PRIYA),
      phone_number_id: DEMO.metaPhoneNumberId,
      contact: { id: expect.stringMatching(/^ct_/), phone_number: PRIYA, profile_name: 'Customer 01' },
      last_message: {
        id: expect.stringMatching(/^im_/),
        direction: 'inbound',
        type: 'text',
        text: 'Is my order shipped?',
      },
      unread_count: 1,
      window: { open: true },
      free_entry_window: null,
    });
    // The conversations migration's backfill computes the same id in SQL.
    const { rows } = await sql<{
      id: string;
    }>`select 'cnv_' || left(encode(sha256(convert_to(${accountId} || chr(31) || ${await senderId()} || chr(31) || ${PRIYA}, 'UTF8')), 'hex'), 26) as id`.execute(
      stack.api.ctx.db,
    );
    expect(rows[0]?.id).toBe(conversation.id);
    const until = Date.parse(conversation.window.until);
    expect(until - Date.parse(conversation.last_message.at)).toBe(24 * HOUR);
    expect(until).toBeGreaterThan(before + 24 * HOUR - 2_000);
    const { body } = await api('GET', `/conversations/${conversation.id}/messages`);
    expect(body).toEqual({
      messages: [
        expect.objectContaining({
          direction: 'inbound',
          wamid,
          type: 'text',
          text: 'Is my order shipped?',
          media: null,
          context: null,
          read_at: null,
        }),
      ],
      next_cursor: null,
    });
  });

  it('a button reply links to the template it answers; messages list both directions, newest first', async () => {
    const sent = await sendAccepted(stack, apiKey, orderUpdateRequest(ARJUN));
    const template = await waitForMessage(stack, apiKey, sent, (m) => m.wamid);
    simReply(ARJUN, { button: { payload: 'Track', text: 'Track order' }, context_id: template.wamid });
    const conversation = await conversationWith(ARJUN, (c) => c.last_message?.direction === 'inbound');
    expect(conversation).toMatchObject({ unread_count: 1, last_message: { type: 'button', text: 'Track order' } });
    const { body } = await api('GET', `/conversations/${conversation.id}/messages`);
    expect(body.messages).toEqual([
      expect.objectContaining({
        direction: 'inbound',
        type: 'button',
        text: 'Track order',
        context: { wamid: template.wamid, message_id: sent },
        message: expect.objectContaining({ button: { payload: 'Track', text: 'Track order' } }),
      }),
      expect.objectContaining({
        id: sent,
        direction: 'outbound',
        type: 'template',
        wamid: template.wamid,
        template: { name: 'order_update', language: 'en_US', category: 'UTILITY' },
      }),
    ]);
    // Paged one by one, the same two in the same order.
    const first = await api('GET', `/conversations/${conversation.id}/messages?limit=1`);
    const second = await api(
      'GET',
      `/conversations/${conversation.id}/messages?limit=1&cursor=${first.body.next_cursor}`,
    );
    expect([...first.body.messages, ...second.body.messages].map((m: any) => m.id)).toEqual(
      body.messages.map((m: any) => m.id),
    );
    expect(second.body.next_cursor).toBeNull();
  });

  it('read clears unread and Meta receives the read receipt for the last inbound message', async () => {
    const first = simReply(PRIYA, { text: 'Hello?' });
    const last = simReply(PRIYA, { text: 'Anyone there?' });
    const conversation = await conversationWith(PRIYA, (c) => c.unread_count === 3);
    const read = await api('POST', `/conversations/${conversation.id}/read`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      conversation_id: conversation.id,
      marked_read: 3,
      read_receipt: { wamid: last, sent: true, error: null },
    });
    expect((await conversationWith(PRIYA)).unread_count).toBe(0);
    const atMeta = stack.sim.control.inboundMessages({ from: PRIYA });
    expect(atMeta.map((m) => [m.id, typeof m.read_at])).toEqual(
      expect.arrayContaining([
        [first, 'string'],
        [last, 'string'],
      ]),
    );
    const { body } = await api('GET', `/conversations/${conversation.id}/messages`);
    expect(body.messages.every((m: any) => m.read_at !== null)).toBe(true);
    // Nothing unread: nothing is sent again.
    expect((await api('POST', `/conversations/${conversation.id}/read`)).body).toEqual({
      conversation_id: conversation.id,
      marked_read: 0,
      read_receipt: null,
    });
  });

  it('a message Meta does not know: marked read in Dak, and the answer says Meta refused the receipt', async () => {
    await postInbound(AD_CLICKER, [
      {
        id: 'wamid.unknown-to-meta',
        timestamp: String(Math.floor(Date.now() / 1000)),
        type: 'text',
        text: { body: 'hi' },
      },
    ]);
    const conversation = await conversationWith(AD_CLICKER);
    const read = await api('POST', `/conversations/${conversation.id}/read`);
    expect(read.body).toMatchObject({
      marked_read: 1,
      read_receipt: { wamid: 'wamid.unknown-to-meta', sent: false, error: { code: 100 } },
    });
    expect((await conversationWith(AD_CLICKER)).unread_count).toBe(0);
  });

  it('every inbound kind is kept: reactions, location, contacts, interactive replies and media with their ids', async () => {
    const at = Math.floor(Date.now() / 1000);
    const sent = await sendAccepted(stack, apiKey, orderUpdateRequest(OLD_CUSTOMER));
    const { wamid } = await waitForMessage(stack, apiKey, sent, (m) => m.wamid);
    const kinds = [
      { type: 'reaction', reaction: { message_id: wamid, emoji: '👍' } },
      { type: 'location', location: { latitude: 18.52, longitude: 73.85, name: 'Pune office', address: 'FC Road' } },
      { type: 'contacts', contacts: [{ name: { formatted_name: 'Asha Rao' }, phones: [{ phone: '+919820000000' }] }] },
      {
        type: 'interactive',
        interactive: { type: 'button_reply', button_reply: { id: 'yes', title: 'Yes, deliver' } },
        context: { from: DEMO.displayPhoneNumber, id: wamid },
      },
      { type: 'image', image: { id: 'media-1', mime_type: 'image/jpeg', sha256: 'abc123', caption: 'The box' } },
      {
        type: 'document',
        document: { id: 'media-2', mime_type: 'application/pdf', sha256: 'def456', filename: 'bill.pdf' },
      },
      { type: 'sticker', sticker: { id: 'media-3', mime_type: 'image/webp', sha256: 'fed789', animated: false } },
    ].map((m, i) => ({ id: `wamid.kind.${i}`, timestamp: String(at + i), ...m }));
    await postInbound(OLD_CUSTOMER, kinds);
    const conversation = await conversationWith(OLD_CUSTOMER, (c) => c.unread_count === kinds.length);
    const { body } = await api('GET', `/conversations/${conversation.id}/messages`);
    const inbound = body.messages.filter((m: any) => m.direction === 'inbound').reverse();
    expect(inbound.map((m: any) => [m.type, m.text, m.media, m.context])).toEqual([
      ['reaction', '👍', null, { wamid, message_id: sent }],
      ['location', 'Pune office', null, null],
      ['contacts', 'Asha Rao', null, null],
      ['interactive', 'Yes, deliver', null, { wamid, message_id: sent }],
      ['image', 'The box', { id: 'media-1', mime_type: 'image/jpeg', sha256: 'abc123' }, null],
      ['document', null, { id: 'media-2', mime_type: 'application/pdf', sha256: 'def456' }, null],
      ['sticker', null, { id: 'media-3', mime_type: 'image/webp', sha256: 'fed789' }, null],
    ]);
    expect(inbound[5].message).toEqual(
      expect.objectContaining({ document: expect.objectContaining({ filename: 'bill.pdf' }) }),
    );
  });

  it('the window is closed 24 h after the last inbound message', async () => {
    const number = '919820006005';
    const at = Math.floor((Date.now() - 25 * HOUR) / 1000);
    await postInbound(number, [
      { id: 'wamid.old.1', timestamp: String(at), type: 'text', text: { body: 'yesterday' } },
    ]);
    const conversation = await conversationWith(number);
    // Meta's second, refined by when Dak received it: it is the second's last millisecond here.
    expect(conversation.window).toEqual({ open: false, until: new Date(at * 1000 + 999 + 24 * HOUR).toISOString() });
    expect(conversation.last_activity_at).toBe(new Date(at * 1000 + 999).toISOString());
  });

  it('a template sent inside a free-entry window shows the 72-hour window Meta reported', async () => {
    const number = '919820006006';
    stack.sim.control.openServiceWindow({ phone_number_id: DEMO.metaPhoneNumberId, wa_id: number, entry_point: true });
    const sent = await sendAccepted(stack, apiKey, orderUpdateRequest(number));
    await waitForMessage(stack, apiKey, sent, 'read');
    const conversation = await conversationWith(number, (c) => c.free_entry_window !== null);
    expect(conversation).toMatchObject({
      unread_count: 0,
      window: { open: false, until: null },
      last_message: { id: sent, direction: 'outbound', type: 'template', text: 'order_update' },
      free_entry_window: { open: true, meta_conversation_id: expect.any(String) },
    });
    const until = Date.parse(conversation.free_entry_window.until);
    expect(until).toBeGreaterThan(Date.now() + 71 * HOUR);
    expect(until).toBeLessThanOrEqual(Date.now() + 72 * HOUR);
  });

  it('pages by last activity; another account’s conversation is 404 everywhere', async () => {
    const all = (await api('GET', '/conversations')).body.conversations;
    const times = all.map((c: any) => Date.parse(c.last_activity_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const { body } = await api('GET', `/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...body.conversations.map((c: any) => c.id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(ids).toEqual(all.map((c: any) => c.id));
    expect((await api('GET', '/conversations?cursor=bm9wZQ')).status).toBe(400);

    const other = {
      waba_id: '102290129349999',
      name: 'Other Store',
      access_token: 'other-token',
      phone_numbers: [{ phone_number_id: '106540352249999', display_phone_number: '15550789999' }],
      templates: [],
    };
    stack.sim.control.addBusiness(other);
    const seeded = await seedAccount(stack.admin, other, { createKey: true });
    await postInbound(
      PRIYA,
      [
        {
          id: 'wamid.other.1',
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: 'text',
          text: { body: 'to the other store' },
        },
      ],
      { wabaId: other.waba_id, metaPhoneNumberId: '106540352249999', displayPhoneNumber: '15550789999' },
    );
    const theirs = await conversationWith(PRIYA, (c) => c.phone_number_id === '106540352249999', seeded.apiKey);
    expect(theirs.unread_count).toBe(1);
    for (const [method, path] of [
      ['GET', `/conversations/${theirs.id}/messages`],
      ['POST', `/conversations/${theirs.id}/read`],
      ['GET', '/conversations/cnv_nope/messages'],
    ] as const) {
      const response = await api(method, path);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('conversation_not_found');
    }
    expect((await api('GET', '/conversations')).body.conversations.map((c: any) => c.id)).not.toContain(theirs.id);
    expect(
      (await conversationWith(PRIYA, (c) => c.phone_number_id === '106540352249999', seeded.apiKey)).unread_count,
    ).toBe(1);
  });

  async function senderId() {
    return (
      await stack.api.ctx.db
        .selectFrom('phone_numbers')
        .select('id')
        .where('meta_phone_number_id', '=', DEMO.metaPhoneNumberId)
        .executeTakeFirstOrThrow()
    ).id;
  }
  it('a cursor it did not give is a 400, however it is made', async () => {
    const craft = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    for (const cursor of [
      craft('-271821-04-20T00:00:00.000Z|cnv_0123456789abcdef0123456789'),
      craft('1|cnv_0123456789abcdef0123456789'),
      'not-a-cursor',
    ]) {
      const { status, body } = await api('GET', `/conversations?cursor=${cursor}`);
      expect([cursor, status, body.error.code]).toEqual([cursor, 400, 'invalid_request']);
    }
  });
});
