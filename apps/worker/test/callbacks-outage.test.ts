import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCallbackEvents, sql } from '@dak/db';
import { enqueueCallbackDeliveries } from '@dak/queue';
import {
  orderUpdateRequest,
  registerCallbackReceiver,
  startStack,
  waitFor,
  type CallbackReceiver,
  type TestStack,
} from '@dak/dev-env';

const MESSAGES = 100;

// The business's endpoint is down while a batch goes out: every status change still reaches
// it once it is back (at least once, here exactly once: a refused connection delivered
// nothing), each message's in order. Scenario 12 of `pnpm bench` measures the same with a
// minute's outage, and that the API's send rate does not change meanwhile.
describe('callbacks while the endpoint is down', () => {
  let stack: TestStack;
  let receiver: CallbackReceiver;
  let apiKey: string;
  beforeAll(async () => {
    // Retries a few hundred milliseconds apart, so the outage's backlog is retried within the test.
    stack = await startStack({ env: { CALLBACK_RETRY_BASE_MS: '200', CALLBACK_RETRY_MAX_DELAY_MS: '1000' } });
    ({ apiKey } = await stack.seedDemo());
    ({ receiver } = await registerCallbackReceiver(stack, apiKey));
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });
  const db = () => stack.api.ctx.db;

  it('loses nothing, sends nothing twice and keeps each message in order across the outage', async () => {
    await receiver.down();
    const { template_id, phone_number_id, variables } = orderUpdateRequest();
    const batch = await stack.call('POST', '/api/whatsapp/v1/send-batch', {
      key: apiKey,
      body: {
        phone_number_id,
        template_id,
        messages: Array.from({ length: MESSAGES }, (_, i) => ({
          phone_number: `9198200${String(i).padStart(5, '0')}`,
          variables,
        })),
      },
    });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    const ids = batch.body.message_ids as string[];
    // Every message reads while its callbacks fail and are retried.
    await waitFor(
      async () => {
        const { rows } = await sql<{ read: number; failed_attempts: number }>`
          select (select count(*)::int from messages where id = any(${ids}::text[]) and status = 'read') as read,
                 (select count(*)::int from callback_attempts where http_status is null) as failed_attempts`.execute(
          db(),
        );
        return rows[0]!.read === MESSAGES && rows[0]!.failed_attempts > 0;
      },
      { timeoutMs: 30_000, what: 'every message read while the endpoint is down' },
    );
    expect(receiver.events()).toEqual([]);

    await receiver.up();
    const expected = await db()
      .selectFrom('callback_events')
      .select(['id', 'message_id', 'data'])
      .where('message_id', 'in', ids)
      .orderBy('sequence')
      .execute();
    // Up to sent, delivered and read each: a status another one overtook is no change of its own.
    expect(expected.length).toBeGreaterThanOrEqual(MESSAGES);
    await waitFor(() => receiver.events().length >= expected.length, {
      timeoutMs: 30_000,
      what: 'every event delivered after the endpoint came back',
    });

    const received = receiver.events();
    expect(new Set(received.map((e) => e.json.id))).toEqual(new Set(expected.map((e) => e.id)));
    expect(received).toHaveLength(expected.length);
    for (const id of ids) {
      const recorded = expected.filter((e) => e.message_id === id).map((e) => e.data.status);
      const arrived = received.filter((e) => e.json.data.message_id === id).map((e) => e.json.data.status);
      expect([id, arrived]).toEqual([id, recorded]);
      // Each message ends read (a `delivered` that `read` overtook is no change of its own).
      expect(arrived.at(-1)).toBe('read');
    }
    // And Postgres has each delivered (the receiver may have an event a moment before Dak records it).
    await waitFor(
      async () =>
        (await db().selectFrom('callback_deliveries').select('id').where('status', '!=', 'delivered').execute())
          .length === 0,
      { what: 'every delivery recorded as delivered' },
    );
  });
});

// Retries back off (here from 30 s). While the endpoint fails, one delivery at a time probes it
// (here every half second); the others are held, not retried each on its own; the probe's first
// success makes everything it is owed due at once.
describe('an endpoint that answers again', () => {
  let stack: TestStack;
  let receiver: CallbackReceiver;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({
      env: {
        CALLBACK_RETRY_BASE_MS: '30000',
        CALLBACK_RETRY_MAX_DELAY_MS: '60000',
        CALLBACK_PROBE_INTERVAL_MS: '300',
        SWEEP_GRACE_MS: '200',
      },
    });
    let apiKey: string;
    ({ apiKey, accountId } = await stack.seedDemo());
    ({ receiver } = await registerCallbackReceiver(stack, apiKey));
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  async function emit(messageIds: string[]): Promise<string[]> {
    const ids = await stack.api.ctx.db.transaction().execute((trx) =>
      recordCallbackEvents(
        trx,
        messageIds.map((messageId) => ({
          accountId,
          type: 'message.status' as const,
          messageId,
          sequence: 1,
          data: { message_id: messageId, status: 'sent', sequence: 1 },
        })),
      ),
    );
    await enqueueCallbackDeliveries(stack.api.ctx.queues, ids);
    return ids;
  }
  const deliveries = (ids: string[]) =>
    stack.api.ctx.db
      .selectFrom('callback_deliveries')
      .select(['id', 'status', 'attempts', 'next_attempt_at'])
      .where('id', 'in', ids.map(Number))
      .orderBy('id')
      .execute();

  it('is probed one delivery at a time while it fails, and gets the whole backlog after the first success', async () => {
    receiver.respond = () => 503;
    const missed = await emit(Array.from({ length: 10 }, (_, i) => `msg_missed_${i}`));
    await waitFor(async () => (await deliveries(missed)).every((d) => d.attempts >= 1), { what: 'each tried once' });
    // Each would wait at least 15 s (30 s, equal jitter) for its own next try. Not the oldest:
    // it is the endpoint's probe, which the sweeper (every second) may already have made due now.
    const [probe, ...held] = await deliveries(missed);
    for (const d of held) expect(d.next_attempt_at.getTime()).toBeGreaterThan(Date.now() + 10_000);
    // Meanwhile the endpoint is probed: one delivery at a time, the oldest, again and again.
    await waitFor(async () => (await deliveries(missed)).some((d) => d.attempts >= 3), {
      timeoutMs: 10_000,
      what: 'probes',
    });
    const probing = await deliveries(missed);
    expect(probing.filter((d) => d.attempts > 1).map((d) => d.id)).toEqual([probe!.id]);
    // When each held one would have been tried again on its own.
    const ownRetry = new Map(probing.filter((d) => d.id !== probe!.id).map((d) => [d.id, d.next_attempt_at]));

    receiver.respond = () => 200;
    await waitFor(async () => (await deliveries(missed)).every((d) => d.status === 'delivered'), {
      timeoutMs: 15_000,
      what: 'the backlog delivered after the first success',
    });
    // The held ones were tried twice in all: once failing, once when the endpoint was back,
    // brought by the probe's success, not by their own timers (which a slow machine could reach).
    expect((await deliveries(missed)).filter((d) => d.attempts === 2)).toHaveLength(9);
    const second = await stack.api.ctx.db
      .selectFrom('callback_attempts')
      .select(['delivery_id', 'at'])
      .where('delivery_id', 'in', [...ownRetry.keys()].map(Number))
      .where('attempt', '=', 2)
      .execute();
    expect(second).toHaveLength(9);
    for (const attempt of second)
      expect(attempt.at.getTime()).toBeLessThan(ownRetry.get(attempt.delivery_id)!.getTime());
  });
});
