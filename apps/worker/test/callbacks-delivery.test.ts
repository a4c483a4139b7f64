import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@dak/core';
import { recordCallbackEvents, sql, type NewCallbackEvent } from '@dak/db';
import { enqueueCallbackDeliveries } from '@dak/queue';
import { startCallbackReceiver, startStack, waitFor, type CallbackReceiver, type TestStack } from '@dak/dev-env';

// Callback delivery end to end, on real Postgres, Redis and HTTP: the API registers endpoints
// (its ping lands on a node:http receiver on 127.0.0.1), events are recorded as the producers
// record them, and the worker's callbacks queue delivers them. Small retry timings keep it fast.
const RETRY = {
  CALLBACK_RETRY_BASE_MS: '100',
  CALLBACK_RETRY_MAX_DELAY_MS: '300',
  CALLBACK_RETRY_WINDOW_MS: '1500',
  CALLBACK_DISABLE_AFTER_MS: '2500',
  CALLBACK_PROBE_INTERVAL_MS: '100',
  SWEEP_GRACE_MS: '500',
};

/** The HMACs of `X-Dak-Signature`, checked here independently of Dak's signing code. */
function signatures(header: string): { t: string; v1: string[] } {
  const pairs = header.split(',').map((p) => p.split('=') as [string, string]);
  return { t: pairs.find(([k]) => k === 't')![1], v1: pairs.filter(([k]) => k === 'v1').map(([, v]) => v) };
}
const hmac = (secret: string, t: string, body: string) =>
  createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

describe('callback delivery', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  const receivers: CallbackReceiver[] = [];

  beforeAll(async () => {
    stack = await startStack({ env: RETRY });
    ({ apiKey, accountId } = await stack.seedDemo());
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await stack?.close();
  });
  afterEach(async () => {
    // Each test's endpoints go, so the next test's events fan out only to its own.
    await stack.api.ctx.db.deleteFrom('callback_endpoints').execute();
  });

  async function receiver(): Promise<CallbackReceiver> {
    const r = await startCallbackReceiver();
    receivers.push(r);
    return r;
  }

  async function register(url: string, events = ['message.status']): Promise<{ id: string; secret: string }> {
    const created = await stack.call('POST', '/api/whatsapp/v1/callbacks', { key: apiKey, body: { url, events } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  }

  async function emit(events: Omit<NewCallbackEvent, 'accountId'>[]): Promise<string[]> {
    const db = stack.api.ctx.db;
    const ids = await db.transaction().execute((trx) =>
      recordCallbackEvents(
        trx,
        events.map((e) => ({ accountId, ...e })),
      ),
    );
    await enqueueCallbackDeliveries(stack.api.ctx.queues, ids);
    return ids;
  }

  const statusEvent = (messageId: string, sequence: number, status: string) => ({
    type: 'message.status' as const,
    messageId,
    sequence,
    data: { message_id: messageId, status, sequence },
  });

  const delivery = (id: string) =>
    stack.api.ctx.db
      .selectFrom('callback_deliveries')
      .selectAll()
      .where('id', '=', Number(id))
      .executeTakeFirstOrThrow();

  it('POSTs the envelope signed with the secret, and with both secrets for a day after a rotation', async () => {
    const r = await receiver();
    const { id, secret } = await register(r.url);
    // The registration ping is signed too.
    expect(r.received).toHaveLength(1);
    expect(r.received[0]!.json).toMatchObject({ type: 'callback.test', data: { callback_id: id } });

    const [deliveryId] = await emit([statusEvent('msg_sig', 1, 'sent')]);
    const first = await waitFor(() => r.events()[0], { what: 'the first callback' });
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['user-agent']).toMatch(/^Dak-Callbacks\//);
    expect(first.json).toEqual({
      id: first.headers['x-dak-event-id'],
      type: 'message.status',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      data: { message_id: 'msg_sig', status: 'sent', sequence: 1 },
    });
    expect(first.json.id).toMatch(/^evt_/);
    const signed = signatures(first.headers['x-dak-signature'] as string);
    expect(Math.abs(Number(signed.t) - Date.now() / 1000)).toBeLessThan(30);
    expect(signed.v1).toEqual([hmac(secret, signed.t, first.body)]);
    await waitFor(async () => (await delivery(deliveryId!)).status === 'delivered', { what: 'delivered' });

    const rotated = await stack.call('POST', `/api/whatsapp/v1/callbacks/${id}/rotate-secret`, { key: apiKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    expect(Date.parse(rotated.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    await emit([statusEvent('msg_sig', 2, 'delivered')]);
    const second = await waitFor(() => r.events()[1], { what: 'the callback after the rotation' });
    const both = signatures(second.headers['x-dak-signature'] as string);
    expect(both.v1).toEqual([hmac(rotated.body.secret, both.t, second.body), hmac(secret, both.t, second.body)]);
    // The secret is never shown again.
    const shown = await stack.call('GET', `/api/whatsapp/v1/callbacks/${id}`, { key: apiKey });
    expect(shown.body).not.toHaveProperty('secret');
    expect(JSON.stringify(shown.body)).not.toContain('whsec_');
  });

  it('retries an endpoint that answers 500: the third attempt lands, and the log shows all three', async () => {
    const r = await receiver();
    const { id } = await register(r.url);
    let calls = 0;
    r.respond = () => (++calls <= 2 ? 500 : 204);
    const [deliveryId] = await emit([statusEvent('msg_retry', 1, 'sent')]);
    await waitFor(async () => (await delivery(deliveryId!)).status === 'delivered', { what: 'the third attempt' });
    expect(await delivery(deliveryId!)).toMatchObject({ attempts: 3, last_http_status: 204, last_error: null });
    // Each attempt carried the same event id and body.
    const events = r.events();
    expect(events).toHaveLength(3);
    expect(new Set(events.map((e) => e.body)).size).toBe(1);
    // Backoff: the retries waited (base 100 ms, equal jitter: at least 50 ms, then 100 ms).
    expect(events[1]!.at - events[0]!.at).toBeGreaterThanOrEqual(45);
    expect(events[2]!.at - events[1]!.at).toBeGreaterThanOrEqual(95);

    const log = await stack.call('GET', `/api/whatsapp/v1/callbacks/${id}/deliveries`, { key: apiKey });
    expect(log.status).toBe(200);
    expect(log.body.deliveries.map((d: any) => [d.attempt, d.http_status, d.delivery_status])).toEqual([
      [3, 204, 'delivered'],
      [2, 500, 'delivered'],
      [1, 500, 'delivered'],
    ]);
    expect(log.body.deliveries[1]).toMatchObject({ event_id: events[0]!.json.id, event_type: 'message.status' });
    expect(log.body.deliveries[1].error).toMatch(/500/);
    expect(log.body.deliveries[0].latency_ms).toBeGreaterThanOrEqual(0);
    // Paging: one per page, newest first, until next_before is null.
    const page1 = await stack.call('GET', `/api/whatsapp/v1/callbacks/${id}/deliveries?limit=2`, { key: apiKey });
    expect(page1.body.deliveries).toHaveLength(2);
    const page2 = await stack.call(
      'GET',
      `/api/whatsapp/v1/callbacks/${id}/deliveries?limit=2&before=${page1.body.next_before}`,
      { key: apiKey },
    );
    expect(page2.body.deliveries.map((d: any) => d.attempt)).toEqual([1]);
    expect(page2.body.next_before).toBeNull();
  });

  it('parks a delivery as failed once the retry window has passed; it does not block the next event of the message', async () => {
    const r = await receiver();
    const { id } = await register(r.url);
    r.respond = (req) => (req.json.data.status === 'sent' ? 503 : 200);
    const [parked, later] = await emit([statusEvent('msg_park', 1, 'sent'), statusEvent('msg_park', 2, 'delivered')]);
    await waitFor(async () => (await delivery(parked!)).status === 'failed', { timeoutMs: 8_000, what: 'parking' });
    const row = await delivery(parked!);
    // Tried for the whole window (1.5 s), the last attempt at its end.
    expect(row.attempts).toBeGreaterThanOrEqual(4);
    expect(row.last_http_status).toBe(503);
    expect(Date.now() - row.first_attempt_at!.getTime()).toBeGreaterThanOrEqual(1_500);
    // The later status waited while the earlier was owed, and went once it was parked.
    await waitFor(async () => (await delivery(later!)).status === 'delivered', { what: 'the later event' });
    const sentAttempts = r.events().filter((e) => e.json.data.status === 'sent');
    const delivered = r.events().find((e) => e.json.data.status === 'delivered')!;
    expect(delivered.at).toBeGreaterThanOrEqual(sentAttempts.at(-1)!.at);
    const failed = await stack.call('GET', `/api/whatsapp/v1/callbacks/${id}/deliveries?status=failed`, {
      key: apiKey,
    });
    expect(failed.body.deliveries.length).toBe(row.attempts);
    expect(failed.body.deliveries.every((d: any) => d.http_status === 503)).toBe(true);
  });

  it("keeps a message's events in order: a later sequence waits while an earlier one is retried", async () => {
    const r = await receiver();
    await register(r.url);
    let sentCalls = 0;
    r.respond = (req) => (req.json.data.status === 'sent' && ++sentCalls <= 2 ? 500 : 200);
    const ids = await emit([
      statusEvent('msg_order', 1, 'sent'),
      statusEvent('msg_order', 2, 'delivered'),
      statusEvent('msg_order', 3, 'read'),
    ]);
    await waitFor(async () => (await Promise.all(ids.map(delivery))).every((d) => d.status === 'delivered'), {
      what: 'all three delivered',
    });
    // What the receiver accepted (2xx) arrived in sequence order, each once.
    const accepted = r.events().filter((e) => !(e.json.data.status === 'sent' && r.events().indexOf(e) < 2));
    expect(accepted.map((e) => e.json.data.sequence)).toEqual([1, 2, 3]);
    expect(r.events().map((e) => e.json.data.sequence)).toEqual([1, 1, 1, 2, 3]);
    // Waiting is not an attempt.
    expect((await Promise.all(ids.map(delivery))).map((d) => d.attempts)).toEqual([3, 1, 1]);
  });

  it('disables an endpoint that has failed everything for the disable window, with a reason the account sees', async () => {
    const r = await receiver();
    const { id } = await register(r.url);
    r.respond = () => 500;
    const started = Date.now();
    // A new event every 300 ms keeps attempts coming past the 2.5 s disable window.
    let disabled: any;
    // How many deliveries the loop made: as many as its timing allowed.
    let owed = 0;
    for (let i = 0; i < 20 && !disabled; i++) {
      owed += (await emit([statusEvent(`msg_dead_${i}`, 1, 'sent')])).length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      const shown = await stack.call('GET', `/api/whatsapp/v1/callbacks/${id}`, { key: apiKey });
      if (!shown.body.enabled) disabled = shown.body;
    }
    expect(disabled, 'the endpoint was disabled').toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_500);
    expect(disabled.disabled_reason).toMatch(/every delivery to it failed for 2500 ms/);
    expect(disabled.disabled_reason).toMatch(/HTTP 500/);
    expect(disabled.failing_since).not.toBeNull();
    // Nothing more is sent; what was still owed is parked.
    await waitFor(
      async () =>
        (
          await sql<{ n: number }>`select count(*)::int as n from callback_deliveries d
            where d.endpoint_id = ${id} and d.status in ('pending', 'delivering')`.execute(stack.api.ctx.db)
        ).rows[0]!.n === 0,
      { what: 'the owed deliveries parked' },
    );
    const sentSoFar = r.events().length;
    // A disabled endpoint is not fanned out to: no delivery, so none to replay either.
    expect(await emit([statusEvent('msg_dead_after', 1, 'sent')])).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.events().length).toBe(sentSoFar);

    // Enabling it again clears the reason; a replay then delivers what it missed.
    r.respond = () => 200;
    const enabled = await stack.call('PATCH', `/api/whatsapp/v1/callbacks/${id}`, {
      key: apiKey,
      body: { enabled: true },
    });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null, failing_since: null });
    const replayed = await stack.call('POST', `/api/whatsapp/v1/callbacks/${id}/replay`, {
      key: apiKey,
      body: { since: new Date(started - 1_000).toISOString() },
    });
    expect(replayed.status).toBe(200);
    // The events of the loop (each parked), none of them pending any more: every one of them.
    expect(replayed.body.requeued).toBe(owed);
    expect(replayed.body.more).toBe(false);
    await waitFor(
      async () =>
        (
          await sql<{ n: number }>`select count(*)::int as n from callback_deliveries d
            where d.endpoint_id = ${id} and d.status <> 'delivered'`.execute(stack.api.ctx.db)
        ).rows[0]!.n === 0,
      { what: 'the replay delivered' },
    );
  });

  it("a slow endpoint does not hold back another endpoint's next events in the same job", async () => {
    const fast = await receiver();
    const slow = await receiver();
    await register(fast.url);
    await register(slow.url);
    // The slow endpoint answers only when the test lets it. It must answer within the callback
    // timeout (10 s), else its attempt fails and is retried: the wait below stays under that.
    const stall = slow.hold();
    // Both events fan out to both endpoints: four deliveries in one job.
    const ids = await emit([statusEvent('msg_two_speeds', 1, 'sent'), statusEvent('msg_two_speeds', 2, 'delivered')]);
    await waitFor(() => fast.events().length === 2, { timeoutMs: 8_000, what: "the fast endpoint's two events" });
    // Its second event went before the slow endpoint had even answered the first.
    expect(fast.events().map((e) => e.json.data.sequence)).toEqual([1, 2]);
    expect(stall.answered()).toBe(0);
    stall.release();
    await waitFor(async () => (await Promise.all(ids.map(delivery))).every((d) => d.status === 'delivered'), {
      timeoutMs: 15_000,
      what: 'all four delivered',
    });
    expect(slow.events().map((e) => e.json.data.sequence)).toEqual([1, 2]);
  });

  it('replays one event with the same id and body', async () => {
    const r = await receiver();
    const { id } = await register(r.url);
    const [deliveryId] = await emit([statusEvent('msg_replay', 1, 'read')]);
    const original = await waitFor(() => r.events()[0], { what: 'the callback' });
    await waitFor(async () => (await delivery(deliveryId!)).status === 'delivered', { what: 'delivered' });
    const replayed = await stack.call('POST', `/api/whatsapp/v1/callbacks/${id}/replay`, {
      key: apiKey,
      body: { event_id: original.json.id },
    });
    expect(replayed.body).toEqual({ success: true, requeued: 1, more: false, next_after: null });
    const again = await waitFor(() => r.events()[1], { what: 'the replayed callback' });
    expect(again.body).toBe(original.body);
    expect(again.headers['x-dak-event-id']).toBe(original.json.id);
    // An event the endpoint never had.
    const unknown = await stack.call('POST', `/api/whatsapp/v1/callbacks/${id}/replay`, {
      key: apiKey,
      body: { event_id: newId('evt') },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('callback_event_not_found');
  });

  it('a job that fires before its delivery is due sends nothing and leaves a timer for the due time', async () => {
    const r = await receiver();
    await register(r.url);
    const dueAt = new Date(Date.now() + 3_600_000);
    // Recorded already due in an hour (one transaction): committed due now, the sweeper (every
    // second, grace 500 ms) could send it before the update.
    const [early] = await stack.api.ctx.db.transaction().execute(async (trx) => {
      const ids = await recordCallbackEvents(trx, [{ accountId, type: 'message.status', data: { early: true } }]);
      await trx
        .updateTable('callback_deliveries')
        .set({ next_attempt_at: dueAt })
        .where('id', '=', Number(ids[0]))
        .execute();
      return ids;
    });
    // A duplicate job (a batch enqueued twice, a replayed timer): it must not send early.
    await enqueueCallbackDeliveries(stack.api.ctx.queues, [early!, early!]);
    const timer = await waitFor(
      async () => {
        const job = await stack.api.ctx.queues.callbacks.getJob(`cbd-${early}`);
        return job && (await job.isDelayed()) && job;
      },
      { what: "the delivery's own timer" },
    );
    expect(timer.timestamp + timer.delay).toBeGreaterThanOrEqual(dueAt.getTime() - 1_000);
    expect(await delivery(early!)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(r.events()).toHaveLength(0);
    await timer.remove();
  });

  it('the sweeper enqueues deliveries whose job Redis lost and takes back claims that lapsed', async () => {
    const r = await receiver();
    const { id } = await register(r.url);
    // No job queued, and recordCallbackEvents below only writes to Postgres. Counted before the
    // deliveries exist: once they do, the sweeper (every second) may enqueue them at any moment.
    expect(await stack.api.ctx.queues.callbacks.getJobCounts('waiting', 'delayed', 'active')).toEqual({
      waiting: 0,
      delayed: 0,
      active: 0,
    });
    // Recorded and committed, but never enqueued: as if Redis lost the jobs.
    const lost = await stack.api.ctx.db
      .transaction()
      .execute((trx) => recordCallbackEvents(trx, [{ accountId, type: 'message.status', data: { lost: true } }]));
    // A claim whose worker died mid-attempt: delivering, its lease over, no job. Recorded so in
    // one transaction: committed pending first, the sweeper could send it before the update.
    const [stuck] = await stack.api.ctx.db.transaction().execute(async (trx) => {
      const ids = await recordCallbackEvents(trx, [{ accountId, type: 'message.status', data: { stuck: true } }]);
      await trx
        .updateTable('callback_deliveries')
        .set({
          status: 'delivering',
          attempts: 1,
          first_attempt_at: new Date(),
          next_attempt_at: new Date(Date.now() - 1),
        })
        .where('id', '=', Number(ids[0]))
        .execute();
      return ids;
    });
    await waitFor(
      async () => (await delivery(lost[0]!)).status === 'delivered' && (await delivery(stuck!)).status === 'delivered',
      { what: 'the sweeper to re-enqueue both' },
    );
    expect(r.events().map((e) => e.json.data)).toEqual(expect.arrayContaining([{ lost: true }, { stuck: true }]));
    expect((await delivery(stuck!)).attempts).toBe(2);
    expect(id).toMatch(/^cbk_/);
  });
});
