import express from 'express';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase } from '@dak/db';
import { healthRouter, listen } from '@dak/http';
import { sendAccepted as send, startStack, waitFor, waitForMessage as waitStatus, type TestStack } from '@dak/dev-env';

/** What a Redis that restarts without its data does to one Dak installation: every key is gone. Returns the keys deleted. */
async function forgetEverything(redis: Redis, prefix: string): Promise<string[]> {
  let cursor = '0';
  const deleted: string[] = [];
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
    deleted.push(...keys);
  } while (cursor !== '0');
  return deleted;
}

describe('the sweeper when Redis loses its data', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('re-creates its schedules after Redis forgets everything, and the message waiting for its retry is still sent, once more', async () => {
    stack = await startStack({
      env: { SWEEP_INTERVAL_MS: '300', SWEEP_GRACE_MS: '0', TEMPLATE_SYNC_INTERVAL_MS: '60000' },
    });
    const s = stack;
    const { apiKey } = await s.seedDemo({ credit: '10.00' });
    const { ctx } = s.worker!;
    const maintenance = ctx.queues.maintenance;
    expect(await maintenance.getJobScheduler('sweep')).toBeDefined();

    // Meta's first answer is a transient error: the message goes back to `queued` to wait for
    // its retry. Then Redis forgets everything: the schedules and the dispatcher's state too.
    s.sim.control.addFault({ kind: 'error', code: 131000, count: 1 });
    const id = await send(s, apiKey);
    await waitFor(() => s.sim.control.requests({ route: 'messages' }).length === 1, {
      what: 'the first, refused attempt',
    });
    await waitFor(
      async () =>
        (await ctx.db.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status ===
        'queued',
      { what: 'the message to wait for its retry' },
    );
    const forgotten = Date.now();
    // The sweep's scheduler was among the keys deleted. (Asking for it afterwards would race the
    // keeper, which checks every 300 ms here and may already have re-created it.)
    expect(await forgetEverything(ctx.redis, s.config.redis.prefix)).toContain(`${maintenance.keys.repeat}:sweep`);

    // Postgres still has it queued: the dispatcher admits it again.
    await waitStatus(s, apiKey, id, 'read', 20_000);
    // A sweep job already in flight when Redis forgot may send it before the keeper's next
    // check (one interval) re-creates the schedules: wait for that check, not for luck.
    for (const id of ['sweep', 'template-sync']) {
      await waitFor(async () => (await maintenance.getJobScheduler(id)) !== undefined, {
        what: `the ${id} schedule re-created`,
        timeoutMs: 5_000,
      });
    }
    expect(s.sim.control.requests({ route: 'messages' })).toHaveLength(2);
    // The message may be read before any sweep of the re-created schedule has finished: wait for one.
    await waitFor(async () => ((await ctx.metrics.sweepLastRun.get()).values[0]?.value ?? 0) * 1000 > forgotten, {
      what: 'a sweep finished after Redis forgot',
      timeoutMs: 5_000,
    });
    expect(() => s.worker!.workers.assertSweeping?.()).not.toThrow();
  });

  it('/readyz of a worker whose sweeps keep failing turns 503 after several intervals', async () => {
    stack = await startStack({ worker: false, env: { SWEEP_INTERVAL_MS: '200' } });
    const s = stack;
    // This worker's Postgres is unreachable: every sweep fails.
    const { workers } = await s.startWorker({
      db: createDatabase({ url: 'postgres://postgres@127.0.0.1:1/nowhere', connectTimeoutMs: 200 }),
    });
    const app = express();
    app.use(healthRouter({ sweeper: async () => workers.assertSweeping?.() }));
    const server = await listen(app, 0);
    try {
      await waitFor(async () => (await fetch(`${server.url}/readyz`)).status === 503, {
        timeoutMs: 30_000,
        what: '/readyz to fail',
      });
      expect(() => workers.assertSweeping!()).toThrow(/sweeper has not run/);
    } finally {
      await server.close();
    }
  }, 45_000);
});
