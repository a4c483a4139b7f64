import { overdueCallbackDeliveries, probeFailingEndpoints, reclaimLapsedCallbackDeliveries } from '@dak/db';
import { enqueueCallbackDeliveries } from '@dak/queue';
import type { WorkerContext } from '../context';

/** At most this many overdue deliveries are re-enqueued per sweep; the next sweeps take the rest. */
const SWEEP_LIMIT = 5_000;

/**
 * Postgres is the truth, Redis only the timers: claims that lapsed (a worker died mid-attempt)
 * go back to pending, and pending deliveries overdue by more than the sweep grace (their job
 * was lost with Redis, or never enqueued because the producer died after its commit) are
 * enqueued again, and each failing endpoint whose retry time has come gets its probe. A delivery
 * whose job still exists is not enqueued twice: the job id is the delivery's. Returns how many
 * were enqueued.
 */
export async function sweepCallbacks(ctx: WorkerContext, now: Date = new Date()): Promise<number> {
  const lapsed = await reclaimLapsedCallbackDeliveries(ctx.db, now);
  const overdue = await overdueCallbackDeliveries(ctx.db, ctx.config.worker.sweepGraceMs, SWEEP_LIMIT, now);
  const ids = [...new Set([...lapsed, ...overdue])];
  await enqueueCallbackDeliveries(ctx.queues, ids);
  // A probe goes now, though its own retry timer waits for later.
  const probes = await probeFailingEndpoints(ctx.db, now);
  await enqueueCallbackDeliveries(ctx.queues, probes, { now: true });
  return ids.length + probes.length;
}
