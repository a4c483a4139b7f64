import { expireQueued, listQueuedOlderThan, requeueStaleClaims } from '@dak/db';
import { enqueueSends } from '@dak/queue';
import { moveCharge } from './charges';
import type { WorkerContext } from './context';

const SWEEP_LIMIT = 10_000;

export interface SweepResult {
  requeued: number;
  reenqueued: number;
  expired: number;
}

/**
 * The outbox's safety net, run by one worker at a time on a schedule:
 * - claims whose worker vanished (or whose Meta answer was lost) and that no status webhook
 *   settled within the lease go back to `queued`;
 * - queued messages past `expires_in` fail with `expired` and their holds are released;
 * - queued messages with no job in Redis (enqueue failed after commit, Redis lost its data)
 *   are enqueued again, with jobId = message id so a live job is never duplicated.
 */
export async function sweep(ctx: WorkerContext): Promise<SweepResult> {
  const stale = await requeueStaleClaims(ctx.db, ctx.sendLeaseMs);
  const expired = await ctx.db.transaction().execute(async (trx) => {
    const rows = await expireQueued(trx);
    for (const row of rows) await moveCharge(trx, row, 'expired_unsent');
    return rows.length;
  });

  const queued = await listQueuedOlderThan(ctx.db, ctx.config.worker.sweepGraceMs, SWEEP_LIMIT);
  const missing = await withoutJobs(ctx, queued);
  const toEnqueue = [...stale, ...missing];
  await enqueueSends(ctx.queues.send, toEnqueue);

  ctx.metrics.swept.inc({ reason: 'stale_claim' }, stale.length);
  ctx.metrics.swept.inc({ reason: 'missing_job' }, missing.length);
  ctx.metrics.swept.inc({ reason: 'expired' }, expired);
  if (toEnqueue.length > 0 || expired > 0) {
    ctx.logger.info({ requeued: stale.length, reenqueued: missing.length, expired }, 'sweeper acted');
  }
  return { requeued: stale.length, reenqueued: missing.length, expired };
}

async function withoutJobs<T extends { id: string }>(ctx: WorkerContext, rows: T[]): Promise<T[]> {
  if (rows.length === 0) return [];
  const pipeline = ctx.redis.pipeline();
  for (const row of rows) pipeline.exists(ctx.queues.send.toKey(row.id));
  const results = (await pipeline.exec()) ?? [];
  return rows.filter((_, i) => results[i]?.[1] === 0);
}
