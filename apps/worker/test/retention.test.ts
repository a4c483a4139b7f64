import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAINTENANCE_JOBS } from '@dak/queue';
import { startStack, waitFor, type TestStack } from '@dak/dev-env';
import { closeWorkerContext, createWorkerContext } from '../src/context';
import { pruneExpired, RETENTION_INTERVAL_MS } from '../src/retention';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Idempotency keys expire after 24 h; raw webhook events (inbound bodies are personal data)
// after EVENT_RETENTION_DAYS (2 here), but only once they are applied or closed; marketing holds
// (131049) once their `until` has passed.
describe('retention', () => {
  let stack: TestStack;
  let accountId: string;
  beforeAll(async () => {
    // No worker yet: its scheduled run must not race the first test's own run.
    stack = await startStack({ worker: false, env: { EVENT_RETENTION_DAYS: '2' } });
    ({ accountId } = await stack.seedDemo({ credit: '1.00' }));
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
      });
    } finally {
      await closeWorkerContext(ctx);
    }
  });

  it('runs on a schedule from the maintenance queue', async () => {
    const { ctx } = await stack.startWorker();
    const scheduler = await ctx.queues.maintenance.getJobScheduler('retention');
    expect(scheduler).toMatchObject({ name: MAINTENANCE_JOBS.retention, every: RETENTION_INTERVAL_MS });

    await seed(Date.now());
    await ctx.queues.maintenance.add(MAINTENANCE_JOBS.retention, {});
    // Automation payloads are the run's last step: once the sent event's is gone, the run is done.
    await waitFor(async () => (await automationEvents())[0]!.includes('no payload'), {
      what: 'the retention job to run',
    });
    expect(await remaining()).toEqual({
      keys: ['fresh'],
      events: ['old-waiting', 'recent-applied'],
      holds: ['919000000003'],
    });
  });
});
