import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@dak/core';
import {
  announced,
  DEMO,
  messageStatus,
  orderUpdateRequest,
  postSignedWebhook,
  sendAccepted,
  startStack,
  statusEnvelope,
  waitFor,
  type TestStack,
} from '@dak/dev-env';

// What the webhook applier records for the account's callback endpoints: one message.status
// event per status change, in order and never backwards, and message.inbound for a customer's
// message; nothing for an account without an endpoint.
describe('callback events from applied webhooks', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1.00' }));
  });
  afterAll(() => stack?.close());
  const db = () => stack.api.ctx.db;

  /** A new endpoint, once the receiver's cache of the account's subscriptions has heard of it. */
  async function subscribe(events: string[]) {
    const id = newId('cbk');
    await announced(stack.webhooks.ctx.changes, 'callback_endpoints', accountId, () =>
      db()
        .insertInto('callback_endpoints')
        .values({ id, account_id: accountId, url: 'http://127.0.0.1:9/unused', events, secret_encrypted: 'unused' })
        .execute(),
    );
    return id;
  }
  const eventsOf = (messageId: string) =>
    db()
      .selectFrom('callback_events')
      .select(['id', 'type', 'sequence', 'data'])
      .where('message_id', '=', messageId)
      .orderBy('sequence')
      .execute();
  const wamid = (n: number) => `wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSQ0FMTEJBQ0tFVkVOVFMx${n}`;

  it('without an endpoint, a status change records nothing', async () => {
    const id = await sendAccepted(stack, apiKey);
    const base = { id: wamid(0), recipient_id: DEMO.recipient, biz_opaque_callback_data: id };
    await postSignedWebhook(stack, statusEnvelope([{ ...base, status: 'sent', timestamp: '1764198000' }]));
    await waitFor(async () => ((await messageStatus(stack, apiKey, id)).status === 'sent' ? true : undefined));
    expect(await eventsOf(id)).toEqual([]);
  });

  it('sent, delivered and read in one batch are three events in order; late and repeated reports add none', async () => {
    const endpoint = await subscribe(['message.status']);
    const id = await sendAccepted(stack, apiKey, { ...orderUpdateRequest(), client_reference: 'order-1001' });
    const base = { id: wamid(1), recipient_id: DEMO.recipient, biz_opaque_callback_data: id };
    await stack.webhooks.applier.stop(); // so the three statuses are applied in one batch
    await postSignedWebhook(
      stack,
      statusEnvelope([
        { ...base, status: 'delivered', timestamp: '1764198002' },
        { ...base, status: 'sent', timestamp: '1764198001' },
        { ...base, status: 'read', timestamp: '1764198003' },
      ]),
    );
    stack.webhooks.applier.start();
    await waitFor(async () => ((await eventsOf(id)).length === 2 ? true : undefined), { what: 'two events' });
    // Delivered arrived before sent: sent then moves nothing, so it is no change of its own.
    const events = await eventsOf(id);
    expect(events.map((e) => [e.sequence, e.data.previous_status, e.data.status])).toEqual([
      [3, 'queued', 'delivered'],
      [4, 'delivered', 'read'],
    ]);
    // The data is the message as message-status shows it, at that change's status.
    const { success: _, ...shown } = await messageStatus(stack, apiKey, id);
    expect(events[1]!.data).toEqual({ ...shown, previous_status: 'delivered', sequence: 4 });
    expect(events[0]!.data).toMatchObject({ status: 'delivered', client_reference: 'order-1001', batch_id: null });

    // A late `delivered` and a repeated `read` change nothing, so they make no event.
    await postSignedWebhook(
      stack,
      statusEnvelope([
        { ...base, status: 'delivered', timestamp: '1764198004' },
        { ...base, status: 'read', timestamp: '1764198005' },
      ]),
    );
    await waitFor(async () => {
      const pending = await db()
        .selectFrom('message_events')
        .select('id')
        .where('message_id', '=', id)
        .where('applied_at', 'is', null)
        .execute();
      return pending.length === 0 ? true : undefined;
    });
    expect(await eventsOf(id)).toHaveLength(2);

    // Each event has a pending delivery to the endpoint, and the applier woke the callbacks queue for it.
    const deliveries = await db()
      .selectFrom('callback_deliveries')
      .select(['id', 'endpoint_id', 'status', 'sequence'])
      .where('message_id', '=', id)
      .orderBy('sequence')
      .execute();
    expect(deliveries.map((d) => [d.endpoint_id, d.status, d.sequence])).toEqual([
      [endpoint, 'pending', 3],
      [endpoint, 'pending', 4],
    ]);
    // Jobs carry delivery ids in batches (apps/worker/src/callbacks): each delivery is in one.
    const queued = (await stack.webhooks.ctx.queues.callbacks.getJobs(['waiting', 'delayed', 'prioritized'])).flatMap(
      (job) => job.data.deliveryIds,
    );
    for (const d of deliveries) expect(queued).toContain(String(d.id));
  });

  it("a customer's message is a message.inbound event with who wrote and what", async () => {
    await subscribe(['message.inbound']);
    const envelope = statusEnvelope([]);
    const value = envelope.entry[0]!.changes[0]!.value as Record<string, unknown>;
    delete value.statuses;
    value.contacts = [{ profile: { name: 'Asha Rao' }, wa_id: DEMO.recipient, user_id: 'IN.1234567890123456' }];
    const inbound = [
      {
        from: DEMO.recipient,
        id: 'wamid.inbound-1',
        timestamp: '1764198100',
        type: 'text',
        text: { body: 'Where is my order?' },
      },
    ];
    value.messages = inbound;
    expect((await postSignedWebhook(stack, envelope)).status).toBe(200);
    const event = await waitFor(
      () =>
        db()
          .selectFrom('callback_events')
          .select(['type', 'account_id', 'data'])
          .where('type', '=', 'message.inbound')
          .executeTakeFirst(),
      { what: 'the inbound event' },
    );
    expect(event).toEqual({
      type: 'message.inbound',
      account_id: accountId,
      data: {
        wamid: 'wamid.inbound-1',
        phone_number_id: DEMO.metaPhoneNumberId,
        from: DEMO.recipient,
        user_id: 'IN.1234567890123456',
        profile_name: 'Asha Rao',
        username: null,
        type: 'text',
        sent_at: new Date(1764198100 * 1000).toISOString(),
        message: inbound[0],
      },
    });
  });
});

// Since 2026 a status may name the customer by Meta's business-scoped user id only.
describe('a status naming its recipient by user id alone', () => {
  let stack: TestStack;
  let apiKey: string;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey } = await stack.seedDemo({ credit: '1.00' }));
  });
  afterAll(() => stack?.close());

  it('applies: the message is matched by its wamid and Dak id, not by the phone number', async () => {
    const id = await sendAccepted(stack, apiKey);
    await postSignedWebhook(
      stack,
      statusEnvelope([
        {
          id: 'wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSVVNFUklET05MWTAwMDAwMDE=',
          status: 'delivered',
          timestamp: '1764198000',
          recipient_user_id: 'IN.1234567890123456',
          biz_opaque_callback_data: id,
        },
      ]),
    );
    const settled = await waitFor(
      async () => {
        const body = await messageStatus(stack, apiKey, id);
        return body.status === 'delivered' ? body : undefined;
      },
      { what: 'delivered' },
    );
    expect(settled.charge.state).toBe('captured');
  });
});
