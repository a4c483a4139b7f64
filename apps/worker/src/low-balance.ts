import { checkLowBalances } from '@dak/db';
import { wakeCallbackDeliveries } from '@dak/queue';
import type { WorkerContext } from './context';

/** How often wallets are looked at for wallet.low_balance: a dip is announced within this. */
export const LOW_BALANCE_INTERVAL_MS = 10_000;

/**
 * Announces each wallet that dipped below its threshold once (wallet.low_balance) and re-arms
 * those a top-up lifted back; a periodic look rather than a check in every hold, so the send
 * path and its hot wallet row pay nothing for it.
 */
export async function checkLowBalance(ctx: WorkerContext): Promise<{ announced: number }> {
  const deliveries = await checkLowBalances(ctx.db);
  await wakeCallbackDeliveries(ctx.queues, ctx.logger, deliveries);
  return { announced: deliveries.length };
}
