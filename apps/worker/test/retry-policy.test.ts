import { afterEach, describe, expect, it } from 'vitest';
import { retryDelay, SEND_RETRY } from '@dak/core';
import { sendAccepted as send, startStack, waitForMessage as waitStatus, type TestStack } from '@dak/dev-env';

// A send Meta refuses with a transient error goes back to `queued` with `not_before` as
// SEND_RETRY says, and fails after its last try.
describe('the retry policy of sends', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('doubles from a second, capped at a minute', () => {
    expect(Array.from({ length: SEND_RETRY.attempts - 1 }, (_, i) => retryDelay(SEND_RETRY, i + 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000,
    ]);
  });

  it('each retry waits the delay the policy gives', async () => {
    stack = await startStack();
    const s = stack;
    const { apiKey } = await s.seedDemo({ credit: '10.00' });
    s.sim.control.addFault({ kind: 'error', code: 131000, count: 2 });
    const id = await send(s, apiKey);
    await waitStatus(s, apiKey, id, 'read', 20_000);
    const tries = s.sim.control.requests({ route: 'messages' }).map((r) => Date.parse(r.at));
    expect(tries).toHaveLength(3);
    const gaps = [tries[1]! - tries[0]!, tries[2]! - tries[1]!];
    expect(gaps[0]).toBeGreaterThanOrEqual(retryDelay(SEND_RETRY, 1));
    expect(gaps[1]).toBeGreaterThanOrEqual(retryDelay(SEND_RETRY, 2));
    // Admitted within a dispatch tick and a window of its not_before, not later.
    expect(gaps[1]).toBeLessThan(retryDelay(SEND_RETRY, 2) + 1_500);
  });

  it("fails the message with Meta's error after its last try, and gives the hold back", async () => {
    stack = await startStack({ worker: false });
    const s = stack;
    const { apiKey } = await s.seedDemo({ credit: '10.00' });
    s.sim.control.addFault({ kind: 'error', code: 131000, count: 5 });
    const id = await send(s, apiKey);
    // As if it had been tried all but once already.
    await s.api.ctx.db
      .updateTable('messages')
      .set({ attempts: SEND_RETRY.attempts - 1 })
      .where('id', '=', id)
      .execute();
    await s.startWorker();
    const failed = await waitStatus(s, apiKey, id, 'failed', 10_000);
    expect(failed.error).toMatchObject({ code: 131000, source: 'meta' });
    expect(failed.charge.state).toBe('released');
    expect(s.sim.control.requests({ route: 'messages' })).toHaveLength(1);
  });
});
