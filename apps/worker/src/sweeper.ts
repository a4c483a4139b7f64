import { expireQueued, requeueStaleClaims } from '@dak/db';
import type { WorkerContext } from './context';
import { recordWithCallbacks } from './callback-events';

export interface SweepResult {
  requeued: number;
  expired: number;
}

/**
 * The outbox's safety net, run by one worker at a time on a schedule:
 * - claims whose worker vanished (or whose Meta answer was lost) and that no status webhook
 *   settled within the lease go back to `queued`, where the dispatcher admits them again;
 * - queued messages past `expires_in` fail with `expired` and their holds are released.
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
  ctx.metrics.swept.inc({ reason: 'stale_claim' }, stale.length);
  ctx.metrics.swept.inc({ reason: 'expired' }, expired);
  if (stale.length > 0 || expired > 0) ctx.logger.info({ requeued: stale.length, expired }, 'sweeper acted');
  return { requeued: stale.length, expired };
}
