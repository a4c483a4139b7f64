import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationId, newId } from '@dak/core';
import { insertMessagesWithHold, lastInboundAt, reachToday } from '@dak/db';
import { MAINTENANCE_JOBS } from '@dak/queue';
import { startStack, waitFor, type TestStack } from '@dak/dev-env';
import { closeWorkerContext, createWorkerContext } from '../src/context';
import { pruneExpired, RETENTION_INTERVAL_MS } from '../src/retention';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Idempotency keys expire after 24 h; raw webhook events (inbound bodies are personal data)
// after EVENT_RETENTION_DAYS (2 here), but only once they are applied or closed; marketing holds
// (131049) once their `until` has passed. The tier's reach rows once no 24 h count includes
// them; customers' messages after INBOUND_RETENTION_DAYS (30 here), with conversations left empty.
describe('retention', () => {
  let stack: TestStack;
  let accountId: string;
  let apiKey: string;
  beforeAll(async () => {
    // No worker yet: its scheduled run must not race the first test's own run.
    stack = await startStack({ worker: false, env: { EVENT_RETENTION_DAYS: '2', INBOUND_RETENTION_DAYS: '30' } });
    ({ accountId, apiKey } = await stack.seedDemo({ credit: '1.00' }));
    // The receiver's applier would close the waiting event itself: it stays waiting here.
    await stack.webhooks.applier.stop();
  });
  afterAll(() => stack?.close());

  const db = () => stack.api.ctx.db;

  async function seed(now: number) {
    await db().deleteFrom('idempotency_keys').execute();
    await db().deleteFrom('message_events').execute();
    await db().deleteFrom('marketing_holds').execute();
    await db().deleteFrom('automations').execute();
    await seedAutomationEvents(now);
    const hold = (recipient: string, endsIn: number) => ({
      account_id: accountId,
      recipient,
      until: new Date(now + endsIn),
      reason: 'meta_131049',
    });
    await db()
      .insertInto('marketing_holds')
      .values([hold('919000000001', -HOUR), hold('919000000002', -30 * DAY), hold('919000000003', HOUR)])
      .execute();
    const key = (name: string, age: number) => ({
      account_id: accountId,
      key: name,
      request_hash: 'h',
      status_code: 200,
      response: '{}',
      created_at: new Date(now - age),
    });
    await db()
      .insertInto('idempotency_keys')
      .values([key('old-1', 25 * HOUR), key('old-2', 30 * HOUR), key('old-3', 48 * HOUR), key('fresh', 23 * HOUR)])
      .execute();
    const event = (name: string, age: number, closed: boolean, rejected: string | null = null) => ({
      dedupe_key: name,
      kind: 'message' as const,
      wamid: name,
      payload: JSON.stringify({ message: { text: { body: 'personal data' } } }),
      received_at: new Date(now - age),
      applied_at: closed ? new Date(now - age + 1_000) : null,
      rejected_reason: rejected,
    });
    await db()
      .insertInto('message_events')
      .values([
        event('old-applied-1', 3 * DAY, true),
        event('old-applied-2', 5 * DAY, true),
        event('old-rejected', 3 * DAY, true, 'phone_number_not_in_waba'),
        event('old-waiting', 3 * DAY, false),
        event('recent-applied', 1 * DAY, true),
      ])
      .execute();
  }

  /** A store's orders: two old ones that made no message, an old invalid body, an old sent one, one pending, a recent one. */
  async function seedAutomationEvents(now: number) {
    const sender = await db()
      .selectFrom('phone_numbers')
      .select('id')
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
    await db()
      .insertInto('automations')
      .values({
        id: 'aut_0000000000000000000000000a',
        account_id: accountId,
        name: 'orders',
        sender_id: sender.id,
        template_id: '1284751902651784',
        recipient: JSON.stringify('$.customer.phone'),
        variables: '[]',
        dedupe_path: '$.id',
        token_hash: 'h',
      })
      .execute();
    const event = (id: string, age: number, outcome: 'pending' | 'sent' | 'skipped' | 'failed' | 'invalid') => ({
      id: `aev_0000000000000000000000${id}`,
      automation_id: 'aut_0000000000000000000000000a',
      account_id: accountId,
      received_at: new Date(now - age),
      payload: outcome === 'invalid' ? null : JSON.stringify({ customer: { phone: '+91 98203 88810' } }),
      body_text: outcome === 'invalid' ? 'phone=919820388810' : null,
      headers: JSON.stringify({ 'x-shopify-topic': 'orders/create' }),
      outcome,
      dedupe_value: outcome === 'sent' ? '1001' : null,
      message_id: outcome === 'sent' ? 'msg_00000000000000000000000001' : null,
    });
    await db()
      .insertInto('automation_events')
      .values([
        event('0001', 3 * DAY, 'skipped'),
        event('0002', 5 * DAY, 'failed'),
        event('0003', 3 * DAY, 'invalid'),
        event('0004', 3 * DAY, 'sent'),
        event('0005', 3 * DAY, 'pending'),
        event('0006', 1 * DAY, 'failed'),
      ])
      .execute();
  }

  const automationEvents = async () =>
    (
      await db()
        .selectFrom('automation_events')
        .select(['id', 'outcome', 'payload', 'headers', 'dedupe_value'])
        .orderBy('id')
        .execute()
    ).map(
      (e) =>
        `${e.id.slice(-4)} ${e.outcome} ${e.payload ? 'payload' : 'no payload'} ${JSON.stringify(e.headers)} ${e.dedupe_value}`,
    );

  const remaining = async () => ({
    keys: (await db().selectFrom('idempotency_keys').select('key').orderBy('key').execute()).map((r) => r.key),
    events: (await db().selectFrom('message_events').select('dedupe_key').orderBy('dedupe_key').execute()).map(
      (r) => r.dedupe_key,
    ),
    holds: (await db().selectFrom('marketing_holds').select('recipient').execute()).map((r) => r.recipient),
  });

  it('deletes expired keys and closed events past the retention period, in bounded chunks, and nothing else', async () => {
    const now = Date.now();
    await seed(now);
    const ctx = createWorkerContext(stack.config);
    try {
      // Chunks of 2: three old keys take two statements, three old closed events too.
      expect(await pruneExpired(ctx, { now: new Date(now), chunk: 2 })).toEqual({
        idempotencyKeys: 3,
        events: 3,
        marketingHolds: 2,
        automationEvents: 3,
        automationPayloads: 1,
        callbackEvents: 0,
        recipientReach: 0,
        inboundMessages: 0,
        conversations: 0,
      });
      expect(await remaining()).toEqual({
        keys: ['fresh'],
        events: ['old-waiting', 'recent-applied'],
        holds: ['919000000003'],
      });
      // The sent order keeps what deduplication needs, nothing personal; pending and recent stay whole.
      expect(await automationEvents()).toEqual([
        '0004 sent no payload {} 1001',
        '0005 pending payload {"x-shopify-topic":"orders/create"} null',
        '0006 failed payload {"x-shopify-topic":"orders/create"} null',
      ]);
      expect(await pruneExpired(ctx, { now: new Date(now), chunk: 2 })).toEqual({
        idempotencyKeys: 0,
        events: 0,
        marketingHolds: 0,
        automationEvents: 0,
        automationPayloads: 0,
        callbackEvents: 0,
        recipientReach: 0,
        inboundMessages: 0,
        conversations: 0,
      });
    } finally {
      await closeWorkerContext(ctx);
    }
  });

  const senderId = async () =>
    (await db().selectFrom('phone_numbers').select('id').where('account_id', '=', accountId).executeTakeFirstOrThrow())
      .id;

  /**
   * Tier reach: two recipients last reached before the 24 h (plus the hour's margin), one just
   * past 24 h (inside the margin) and one inside them. Conversations of the demo number:
   * 101 only old messages; 102 an old read one and an unread one from 2 h ago (window open);
   * 103 an old inbound one and an outbound message; 104 an old inbound one but activity yesterday.
   */
  async function seedConversations(now: number) {
    await db().deleteFrom('inbound_messages').execute();
    await db().deleteFrom('conversations').execute();
    await db().deleteFrom('messages').where('recipient', '=', '919000000103').execute();
    const sender = await senderId();
    const conversation = (contact: string, lastInboundAge: number, activityAge: number) => ({
      id: conversationId(accountId, sender, contact),
      account_id: accountId,
      sender_id: sender,
      contact_number: contact,
      last_inbound_at: new Date(now - lastInboundAge),
      last_activity_at: new Date(now - activityAge),
    });
    await db()
      .insertInto('conversations')
      .values([
        conversation('919000000101', 31 * DAY, 31 * DAY),
        conversation('919000000102', 2 * HOUR, 2 * HOUR),
        conversation('919000000103', 31 * DAY, 31 * DAY),
        conversation('919000000104', 31 * DAY, 1 * DAY),
      ])
      .execute();
    const inbound = (contact: string, label: string, age: number, read: boolean) => ({
      id: newId('im'),
      account_id: accountId,
      sender_id: sender,
      conversation_id: conversationId(accountId, sender, contact),
      contact_number: contact,
      wamid: `${contact}-${label}`,
      type: 'text',
      text: 'personal data',
      content: JSON.stringify({ text: { body: 'personal data' } }),
      received_at: new Date(now - age),
      read_at: read ? new Date(now - age + 60_000) : null,
    });
    await db()
      .insertInto('inbound_messages')
      .values([
        inbound('919000000101', 'old', 40 * DAY, true),
        inbound('919000000101', 'last', 31 * DAY, false),
        inbound('919000000102', 'old', 31 * DAY, true),
        inbound('919000000102', 'recent', 2 * HOUR, false),
        inbound('919000000103', 'old', 31 * DAY, false),
        inbound('919000000104', 'old', 31 * DAY, true),
      ])
      .execute();
    const outbound = {
      id: newId('msg'),
      account_id: accountId,
      sender_id: sender,
      template_id: '1',
      template_name: 'order_update',
      template_language: 'en_US',
      template_category: 'UTILITY',
      recipient: '919000000103',
      variables: [],
      components: [],
      client_reference: null,
      price_minor: 0,
      currency: 'INR',
      expires_at: null,
      queued_at: new Date(now - 35 * DAY),
    };
    expect(await insertMessagesWithHold(db(), accountId, [outbound])).toBe(true);
    // The demo account has a tier, so that accept reached 103 now: the reach is set afresh.
    await db().deleteFrom('recipient_reach').execute();
    const reach = (recipient: string, age: number) => ({
      account_id: accountId,
      recipient,
      last_sent_at: new Date(now - age),
    });
    await db()
      .insertInto('recipient_reach')
      .values([
        reach('919000000201', 26 * HOUR),
        reach('919000000202', 48 * HOUR),
        reach('919000000203', 24.5 * HOUR),
        reach('919000000204', 23 * HOUR),
      ])
      .execute();
  }

  const conversationsLeft = async () =>
    (await db().selectFrom('conversations').select('contact_number').orderBy('contact_number').execute()).map(
      (c) => c.contact_number,
    );
  const inboundLeft = async () =>
    (await db().selectFrom('inbound_messages').select('wamid').orderBy('wamid').execute()).map((m) => m.wamid);
  const reachLeft = async () =>
    (await db().selectFrom('recipient_reach').select('recipient').orderBy('recipient').execute()).map(
      (r) => r.recipient,
    );

  it("deletes reach no 24 h count includes, customers' messages past INBOUND_RETENTION_DAYS and conversations left empty", async () => {
    const now = Date.now();
    await seed(now);
    await seedConversations(now);
    const sender = await senderId();
    const reachBefore = await reachToday(db(), accountId, ['919000000203', '919000000204', '919000000205']);
    expect(reachBefore).toEqual({ used: 1, fresh: 2 });
    const ctx = createWorkerContext(stack.config);
    try {
      // Chunks of 2: 101's last message goes in a later chunk than its first, and the conversation with it.
      expect(await pruneExpired(ctx, { now: new Date(now), chunk: 2 })).toMatchObject({
        recipientReach: 2,
        inboundMessages: 5,
        conversations: 1,
      });
    } finally {
      await closeWorkerContext(ctx);
    }
    // The tier check counts exactly what it counted before.
    expect(await reachLeft()).toEqual(['919000000203', '919000000204']);
    expect(await reachToday(db(), accountId, ['919000000203', '919000000204', '919000000205'])).toEqual(reachBefore);
    expect(await inboundLeft()).toEqual(['919000000102-recent']);
    // 103 still has its outbound message, 104 had activity since; contacts are not touched.
    expect(await conversationsLeft()).toEqual(['919000000102', '919000000103', '919000000104']);
    expect(await lastInboundAt(db(), accountId, sender, '919000000102')).toEqual(new Date(now - 2 * HOUR));

    // The live conversation still shows its open window, its unread message and its outbound one's conversation.
    const listed = await stack.call('GET', '/api/whatsapp/v1/conversations', { key: apiKey });
    expect(listed.status).toBe(200);
    const byContact = Object.fromEntries(
      (listed.body.conversations as { contact: { phone_number: string } }[]).map((c) => [c.contact.phone_number, c]),
    );
    expect(byContact['919000000102']).toMatchObject({
      unread_count: 1,
      window: { open: true, until: new Date(now + 22 * HOUR).toISOString() },
      last_message: { direction: 'inbound', text: 'personal data' },
    });
    expect(byContact['919000000103']).toMatchObject({ unread_count: 0, last_message: { direction: 'outbound' } });
  });

  it('runs on a schedule from the maintenance queue', async () => {
    const { ctx } = await stack.startWorker();
    const scheduler = await ctx.queues.maintenance.getJobScheduler('retention');
    expect(scheduler).toMatchObject({ name: MAINTENANCE_JOBS.retention, every: RETENTION_INTERVAL_MS });

    await seed(Date.now());
    await seedConversations(Date.now());
    const job = await ctx.queues.maintenance.add(MAINTENANCE_JOBS.retention, {});
    // The scheduler's own first run may have gone while the rows were being seeded and pruned
    // only some of them: wait for the job added here, which began after all of them, to finish,
    // and for any scheduled run beside it (it skips the rows that one holds locked) to finish too.
    const state = await waitFor(
      async () => {
        const now = await job.getState();
        if (now !== 'completed' && now !== 'failed') return false;
        const active = await ctx.queues.maintenance.getJobs(['active']);
        return !active.some((j) => j.name === MAINTENANCE_JOBS.retention) && now;
      },
      { what: 'the retention job added here to finish' },
    );
    expect(state, (await ctx.queues.maintenance.getJob(job.id!))?.failedReason).toBe('completed');
    expect(await conversationsLeft()).not.toContain('919000000101');
    expect(await automationEvents()).toHaveLength(3);
    expect(await reachLeft()).toEqual(['919000000203', '919000000204']);
    expect(await inboundLeft()).toEqual(['919000000102-recent']);
    expect(await remaining()).toEqual({
      keys: ['fresh'],
      events: ['old-waiting', 'recent-applied'],
      holds: ['919000000003'],
    });
  });
});
