import { expireQueued, requeueStaleClaims } from '@dak/db';
import type { WorkerContext } from './context';
import { recordWithCallbacks } from './callback-events';
import { sweepCallbacks } from './callbacks/sweep';

export interface SweepResult {
  requeued: number;
  expired: number;
  /** Callback deliveries enqueued again (lapsed claims, lost timers). */
  callbacks: number;
}

/**
 * The outbox's safety net, run by one worker at a time on a schedule:
 * - claims whose worker vanished (or whose Meta answer was lost) and that no status webhook
 *   settled within the lease go back to `queued`, where the dispatcher admits them again;
 * - queued messages past `expires_in` fail with `expired` and their holds are released;
 * - callback deliveries whose claim lapsed or whose job Redis lost are enqueued again.
 * A queued message whose dispatch job Redis lost needs nothing here: the dispatcher admits it
 * again once its admission is older than SWEEP_GRACE_MS.
 */
export async function sweep(ctx: WorkerContext): Promise<SweepResult> {
  const stale = await requeueStaleClaims(ctx.db, ctx.sendLeaseMs);
  const expired = (
    await recordWithCallbacks(ctx, 'expired_unsent', async (trx) =>
      (await expireQueued(trx)).map((m) => ({ ...m, previous_status: 'queued' })),
    )
  ).length;
  const callbacks = await sweepCallbacks(ctx);
  ctx.metrics.swept.inc({ reason: 'stale_claim' }, stale.length);
  ctx.metrics.swept.inc({ reason: 'expired' }, expired);
  ctx.metrics.swept.inc({ reason: 'callback' }, callbacks);
  if (stale.length > 0 || expired > 0 || callbacks > 0)
    ctx.logger.info({ requeued: stale.length, expired, callbacks }, 'sweeper acted');
  return { requeued: stale.length, expired, callbacks };
}
