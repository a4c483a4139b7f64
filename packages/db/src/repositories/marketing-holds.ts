import { sql } from 'kysely';
import type { Database } from '../database';

export interface MarketingHold {
  accountId: string;
  recipient: string;
  until: Date;
  /** Why, for people reading the row, e.g. `meta_131049`. */
  reason: string;
}

/**
 * Holds marketing to each recipient until its `until`, in one statement. A recipient already
 * held keeps the later `until` (with that hold's reason), so a late or repeated report never
 * shortens a hold. Rows are written in key order, and the same key given twice keeps the later
 * hold, so two appliers holding the same recipients lock them in one order and never deadlock.
 */
export async function holdMarketing(db: Database, holds: MarketingHold | readonly MarketingHold[]): Promise<void> {
  const latest = new Map<string, MarketingHold>();
  for (const hold of Array.isArray(holds) ? holds : [holds]) {
    const key = `${hold.accountId}\u0000${hold.recipient}`;
    const known = latest.get(key);
    if (!known || known.until < hold.until) latest.set(key, hold);
  }
  if (latest.size === 0) return;
  const rows = [...latest.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, h]) => ({ account_id: h.accountId, recipient: h.recipient, until: h.until, reason: h.reason }));
  await db
    .insertInto('marketing_holds')
    .values(rows)
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'recipient'])
        .doUpdateSet((eb) => ({ until: eb.ref('excluded.until'), reason: eb.ref('excluded.reason') }))
        .whereRef('marketing_holds.until', '<', 'excluded.until'),
    )
    .execute();
}

/** The holds still running at `now` among these recipients of the account. */
export async function activeMarketingHolds(
  db: Database,
  accountId: string,
  recipients: readonly string[],
  now = new Date(),
): Promise<{ recipient: string; until: Date; reason: string }[]> {
  if (recipients.length === 0) return [];
  return db
    .selectFrom('marketing_holds')
    .select(['recipient', 'until', 'reason'])
    .where('account_id', '=', accountId)
    .where('recipient', 'in', [...recipients])
    .where('until', '>', now)
    .execute();
}

/**
 * Deletes up to `limit` holds that ended by `cutoff`, soonest ended first; returns how many.
 * Rows the applier is writing are skipped (SKIP LOCKED), so retention never waits on it; a
 * skipped row goes in a later run, or stays because its hold was just extended.
 */
export async function deleteMarketingHoldsBefore(db: Database, cutoff: Date, limit: number): Promise<number> {
  const result = await sql`
    delete from marketing_holds where (account_id, recipient) in (
      select account_id, recipient from marketing_holds where until <= ${cutoff}
      order by until limit ${limit} for update skip locked
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
