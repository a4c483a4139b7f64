import { sql } from 'kysely';
import type { Database } from '../database';

/**
 * Locks the account's wallet row for the rest of the transaction, before the accept statement
 * takes its snapshot: two accepts of a tiered account then run one after the other, and the
 * second one's tier check sees the first one's recipients (READ COMMITTED takes a snapshot per
 * statement). The hold locks this row anyway, so it costs one round trip, not parallelism.
 */
export async function lockWalletForAccept(trx: Database, accountId: string): Promise<void> {
  await sql`select 1 from wallets where account_id = ${accountId} for update`.execute(trx);
}

export interface ReachToday {
  /** Unique recipients the account reached in the last 24 hours. */
  used: number;
  /** Of `recipients`, how many it has not reached in the last 24 hours. */
  fresh: number;
}

/** The account's reach in the rolling 24 hours, and how many of `recipients` would be new to it. */
export async function reachToday(db: Database, accountId: string, recipients: readonly string[]): Promise<ReachToday> {
  const result = await sql<ReachToday>`
    select
      (select count(*)::int from recipient_reach
       where account_id = ${accountId} and last_sent_at > now() - interval '24 hours') as used,
      (select count(*)::int from (select distinct unnest(${[...recipients]}::text[]) as recipient) r
       where not exists (
         select 1 from recipient_reach x
         where x.account_id = ${accountId} and x.recipient = r.recipient and x.last_sent_at > now() - interval '24 hours')
      ) as fresh`.execute(db);
  return result.rows[0] ?? { used: 0, fresh: 0 };
}

/**
 * Rebuilds the account's reach from its messages of the last 24 hours. Accepts keep the reach
 * only while the account has a tier, so giving an unlimited account one starts from this. A
 * scan of the account's messages (retention bounds them), run when an operator sets a tier.
 */
export async function rebuildReach(db: Database, accountId: string): Promise<void> {
  await sql`delete from recipient_reach where account_id = ${accountId}`.execute(db);
  await sql`
    insert into recipient_reach (account_id, recipient, last_sent_at)
    select account_id, recipient, max(queued_at) from messages
    where account_id = ${accountId} and queued_at > now() - interval '24 hours'
    group by account_id, recipient`.execute(db);
}

/**
 * After a change of the account's tier, in the transaction that made it (the account row
 * locked): an account that had none and now has one gets its reach rebuilt, since accepts kept
 * none while it was unlimited. Every writer of the tier (the admin API, the Meta tier sync) calls this.
 */
export async function reachAfterTierChange(
  db: Database,
  accountId: string,
  previousTier: number | null,
  tier: number | null,
): Promise<void> {
  if (previousTier === null && tier !== null) await rebuildReach(db, accountId);
}

/**
 * Deletes reach rows no tier check reads any more, up to `limit` of them: a row counts only while its
 * last_sent_at is within the 24 hours before the reading statement's now(). The database's
 * clock bounds `before` too, so a caller whose clock runs ahead still never deletes a row
 * that a count in Postgres would include.
 */
export async function deleteReachBefore(db: Database, before: Date, limit: number): Promise<number> {
  const result = await sql`
    delete from recipient_reach where (account_id, recipient) in (
      select account_id, recipient from recipient_reach
      where last_sent_at < least(${before}::timestamptz, now() - interval '24 hours')
      limit ${limit} for update skip locked
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
