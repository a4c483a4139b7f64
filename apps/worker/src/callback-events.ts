import { messageStatusEvent, STATUS_RANK, type StatusChange } from '@dak/core';
import { recordCallbackEvents, type Database } from '@dak/db';
import { enqueueCallbackDeliveries } from '@dak/queue';
import type { WorkerContext } from './context';

/**
 * Runs `change` (status changes) in one transaction with the `message.status` callback events
 * of the changes it reports, so a committed change always has its callback; then wakes the
 * callback workers. Changes that did not raise the status (a webhook got there first) make none.
 */
export async function recordWithCallbacks<R>(
  ctx: WorkerContext,
  change: (trx: Database) => Promise<{ rows: R[]; changes: StatusChange[] }>,
): Promise<R[]> {
  const { rows, deliveries } = await ctx.db.transaction().execute(async (trx) => {
    const { rows, changes } = await change(trx);
    const events = changes
      .filter((c) => (STATUS_RANK[c.status] ?? 0) > (STATUS_RANK[c.previous] ?? 0))
      .map(messageStatusEvent);
    return { rows, deliveries: await recordCallbackEvents(trx, events) };
  });
  if (deliveries.length > 0) {
    try {
      await enqueueCallbackDeliveries(ctx.queues, deliveries);
    } catch (error) {
      ctx.logger.warn(
        { err: error, deliveries: deliveries.length },
        'could not enqueue callback deliveries; the callback sweep will pick them up',
      );
    }
  }
  return rows;
}
