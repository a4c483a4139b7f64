import { chargeMovements, chargeStateAfter, messageStatusEvent, STATUS_RANK, type ChargeHappening } from '@dak/core';
import { moveMessageCharges, recordCallbackEvents, type Database, type Message } from '@dak/db';
import { wakeCallbackDeliveries } from '@dak/queue';
import type { WorkerContext } from './context';

/** A message a worker's statement just changed, with the status it had before. */
export type ChangedMessage = Message & { previous_status: string };

/**
 * Records what just happened to some messages: `change` updates their status (returning each
 * with the status it had before), their money moves as chargeMovements decides for
 * `happening`, and each change that raised a status records its `message.status` callback event
 * (showing the money as moved), all in one transaction; after commit the callback workers are
 * woken. A change that raised nothing (a status webhook got there first) makes no event.
 *
 * `accountIds`, when the caller knows whose messages they are: if none of those accounts has
 * an endpoint for `message.status` (most of the time, and known without a query within a second
 * of the last look), an acceptance is recorded as before callbacks existed, its status and its
 * capture in two statements without a transaction (a capture lost in between is made by the
 * message's first status webhook, which captures any hold).
 */
export async function recordWithCallbacks(
  ctx: WorkerContext,
  happening: ChargeHappening,
  change: (trx: Database) => Promise<ChangedMessage[]>,
  accountIds?: string[],
): Promise<ChangedMessage[]> {
  const moves = (rows: ChangedMessage[]) =>
    rows.map((m) => ({ message: m, movements: chargeMovements(m.charge_state, happening) }));
  const move = (db: Database, moved: ReturnType<typeof moves>) =>
    moveMessageCharges(
      db,
      moved.flatMap(({ message, movements }) => movements.map((movement) => ({ messageId: message.id, movement }))),
    );
  if (happening === 'accepted' && accountIds && !(await wantsStatusEvents(ctx, accountIds))) {
    const rows = await change(ctx.db);
    await move(ctx.db, moves(rows));
    return rows;
  }
  const { rows, deliveries } = await ctx.db.transaction().execute(async (trx) => {
    const rows = await change(trx);
    const moved = moves(rows);
    await move(trx, moved);
    const events = moved
      .filter(({ message: m }) => (STATUS_RANK[m.status] ?? 0) > (STATUS_RANK[m.previous_status] ?? 0))
      .map(({ message, movements }) =>
        messageStatusEvent({
          message: { ...message, charge_state: chargeStateAfter(message.charge_state, movements) },
          previous: message.previous_status,
          status: message.status,
        }),
      );
    return { rows, deliveries: await recordCallbackEvents(trx, events, new Date(), ctx.callbackSubscriptions) };
  });
  await wakeCallbackDeliveries(ctx.queues, ctx.logger, deliveries);
  return rows;
}

async function wantsStatusEvents(ctx: WorkerContext, accountIds: string[]): Promise<boolean> {
  const wanted = await ctx.callbackSubscriptions.wanted(ctx.db, accountIds);
  return [...wanted.values()].some((types) => types.has('message.status'));
}
