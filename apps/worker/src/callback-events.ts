import { chargeMovements, chargeStateAfter, messageStatusEvent, STATUS_RANK, type ChargeHappening } from '@dak/core';
import { moveMessageCharges, recordCallbackEvents, type Database, type Message } from '@dak/db';
import { wakeCallbackDeliveries } from '@dak/queue';
import type { WorkerContext } from './context';

/** A message a worker's statement just changed, with the status it had before. */
export type ChangedMessage = Message & { previous_status: string };

/**
 * Records what just happened to some messages in one transaction: `change` updates their
 * status (returning each with the status it had before), their money moves as chargeMovements
 * decides for `happening`, and each change that raised a status records its `message.status`
 * callback event (showing the money as moved); after commit the callback workers are woken.
 * A change that raised nothing (a status webhook got there first) makes no event.
 */
export async function recordWithCallbacks(
  ctx: WorkerContext,
  happening: ChargeHappening,
  change: (trx: Database) => Promise<ChangedMessage[]>,
): Promise<ChangedMessage[]> {
  const { rows, deliveries } = await ctx.db.transaction().execute(async (trx) => {
    const rows = await change(trx);
    const moves = rows.map((m) => ({ message: m, movements: chargeMovements(m.charge_state, happening) }));
    await moveMessageCharges(
      trx,
      moves.flatMap(({ message, movements }) => movements.map((movement) => ({ messageId: message.id, movement }))),
    );
    const events = moves
      .filter(({ message: m }) => (STATUS_RANK[m.status] ?? 0) > (STATUS_RANK[m.previous_status] ?? 0))
      .map(({ message, movements }) =>
        messageStatusEvent({
          message: { ...message, charge_state: chargeStateAfter(message.charge_state, movements) },
          previous: message.previous_status,
          status: message.status,
        }),
      );
    return { rows, deliveries: await recordCallbackEvents(trx, events) };
  });
  await wakeCallbackDeliveries(ctx.queues, ctx.logger, deliveries);
  return rows;
}
