import { sql } from 'kysely';
import { formatMinor } from '@dak/core';
import type { Database } from '../database';
import { recordCallbackEvents } from './callbacks';

/** Sets the wallet's low-balance threshold and re-arms its alert (the next check looks afresh). */
export async function setLowBalanceThreshold(db: Database, accountId: string, thresholdMinor: number) {
  await db
    .updateTable('wallets')
    .set({ low_balance_threshold_minor: thresholdMinor, low_balance_alerted_at: null, updated_at: new Date() })
    .where('account_id', '=', accountId)
    .execute();
}

/**
 * One pass of the low-balance check, in one transaction: every wallet of an account with an
 * endpoint for `wallet.low_balance` whose spendable credit (available − debt) is below its
 * threshold and not yet announced is marked and records its event; every announced wallet back
 * at or above its threshold is re-armed. Wallets locked by a hold right now are skipped (SKIP
 * LOCKED) and looked at next time. Returns the callback deliveries to enqueue.
 */
export async function checkLowBalances(db: Database, now = new Date()) {
  return db.transaction().execute(async (trx) => {
    await sql`
      update wallets set low_balance_alerted_at = null
      where low_balance_alerted_at is not null
        and available - debt >= low_balance_threshold_minor`.execute(trx);
    const dipped = await sql<{
      account_id: string;
      currency: string;
      available: number;
      debt: number;
      threshold: number;
    }>`
      with low as (
        select w.account_id from wallets w
        where w.low_balance_alerted_at is null
          and w.available - w.debt < w.low_balance_threshold_minor
          and exists (
            select 1 from callback_endpoints e
            where e.account_id = w.account_id and e.enabled and 'wallet.low_balance' = any(e.events))
        order by w.account_id
        for update of w skip locked
      )
      update wallets w set low_balance_alerted_at = ${now}
      from low where w.account_id = low.account_id
      returning w.account_id, w.currency, w.available, w.debt,
        w.low_balance_threshold_minor as threshold`.execute(trx);
    return recordCallbackEvents(
      trx,
      dipped.rows.map((w) => ({
        accountId: w.account_id,
        type: 'wallet.low_balance' as const,
        data: {
          currency: w.currency,
          available: formatMinor(Number(w.available)),
          debt: formatMinor(Number(w.debt)),
          threshold: formatMinor(Number(w.threshold)),
        },
      })),
      now,
    );
  });
}
