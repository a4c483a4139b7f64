import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCallbackEvents, sql } from '@dak/db';
import { enqueueCallbackDeliveries } from '@dak/queue';
import { startCallbackReceiver, startStack, waitFor, type CallbackReceiver, type TestStack } from '@dak/dev-env';

// How long the endpoint stalls at most: the test lets it answer once the healthy endpoint has all
// its events, and fails if that takes longer. Under CALLBACK_TIMEOUT_MS (10 s), so no attempt times out.
const STALL_MS = 8_000;
const MESSAGES = 8;

// An endpoint that takes its time to answer holds a callback job slot for a second at most: the
// job records what answered, leaves the slow attempts to be recorded when they end, and takes
// the next job. With only two slots, and the stalled endpoint in both jobs, the healthy
// endpoint's next events still go within the second, not after the stall.
describe('a stalled callback endpoint and the job slots', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  let healthy: CallbackReceiver;
  let stalled: CallbackReceiver;

  beforeAll(async () => {
    stack = await startStack({ env: { CALLBACK_CONCURRENCY: '2' } });
    ({ apiKey, accountId } = await stack.seedDemo());
    healthy = await startCallbackReceiver();
    stalled = await startCallbackReceiver();
  });
  afterAll(async () => {
    await healthy?.close();
    await stalled?.close();
    await stack?.close();
  });

  it("frees the slot after a second: the healthy endpoint's events arrive in order while the other stalls", async () => {
    for (const url of [healthy.url, stalled.url]) {
      const created = await stack.call('POST', '/api/whatsapp/v1/callbacks', {
        key: apiKey,
        body: { url, events: ['message.status'] },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    // Only now: registration's ping answered at once. The stalled endpoint answers only when the
    // test lets it (not after a fixed time).
    const stall = stalled.hold();

    // Two jobs (one per enqueue), each with both endpoints' first events; each message's second
    // event waits for its first to be recorded, then goes in a job of its own.
    const db = stack.api.ctx.db;
    for (const half of [0, 1]) {
      const events = Array.from({ length: MESSAGES / 2 }, (_, i) => `msg_stall_${half}_${i}`).flatMap((messageId) =>
        [1, 2].map((sequence) => ({
          accountId,
          type: 'message.status' as const,
          messageId,
          sequence,
          data: { message_id: messageId, sequence },
        })),
      );
      const ids = await db.transaction().execute((trx) => recordCallbackEvents(trx, events));
      await enqueueCallbackDeliveries(stack.api.ctx.queues, ids);
    }

    // Held slots would free only when the stalled attempts time out (CALLBACK_TIMEOUT_MS, 10 s):
    // this wait ends before that, and the stalled endpoint is let answer well within it.
    await waitFor(() => healthy.events().length === 2 * MESSAGES, {
      timeoutMs: STALL_MS,
      what: "the healthy endpoint's events while the other stalls",
    });
    expect(stall.answered(), 'before the stalled endpoint answers anything').toBe(0);
    expect(stalled.events().length).toBe(MESSAGES);
    stall.release();

    // The stalled endpoint's first events are recorded when they end, and its second ones follow.
    const stalledId = (
      await db.selectFrom('callback_endpoints').select('id').where('url', '=', stalled.url).executeTakeFirstOrThrow()
    ).id;
    await waitFor(
      async () => {
        const { rows } = await sql<{ delivered: number }>`
          select count(*) filter (where status = 'delivered')::int as delivered from callback_deliveries
          where endpoint_id = ${stalledId}`.execute(db);
        return rows[0]!.delivered === 2 * MESSAGES;
      },
      { timeoutMs: 4 * STALL_MS, what: "the stalled endpoint's deliveries recorded" },
    );
    for (const receiver of [healthy, stalled]) {
      const byMessage = new Map<string, number[]>();
      for (const e of receiver.events())
        byMessage.set(e.json.data.message_id, [...(byMessage.get(e.json.data.message_id) ?? []), e.json.data.sequence]);
      expect([...byMessage.values()]).toEqual(Array.from({ length: MESSAGES }, () => [1, 2]));
    }
    const attempts = await sql<{ n: number }>`
      select count(*)::int as n from callback_attempts where endpoint_id = ${stalledId}`.execute(db);
    expect(attempts.rows[0]!.n, 'one attempt each: none was sent twice').toBe(2 * MESSAGES);
    expect(stack.worker!.ctx.lateAttempts.size).toBe(0);
  }, 60_000);
});
