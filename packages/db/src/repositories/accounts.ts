import { sql } from 'kysely';
import type { Database } from '../database';
import type { Account } from '../schema/index';

export async function insertAccount(
  db: Database,
  account: {
    id: string;
    name: string;
    waba_id: string;
    currency: string;
    price_minor: number;
    category_prices: Record<string, number>;
  },
): Promise<Account> {
  return db
    .insertInto('accounts')
    .values({ ...account, category_prices: JSON.stringify(account.category_prices) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findAccountById(db: Database, id: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The account's messaging tier, its row locked until the transaction ends: a change of tier
 * decides from it whether the reach must be rebuilt, and the Meta tier sync writes the tier too.
 */
export async function lockMessagingTier(
  db: Database,
  id: string,
): Promise<{ messaging_tier: number | null } | undefined> {
  return db.selectFrom('accounts').select('messaging_tier').where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function findAccountByWabaId(db: Database, wabaId: string): Promise<Account | undefined> {
  return db.selectFrom('accounts').selectAll().where('waba_id', '=', wabaId).executeTakeFirst();
}

export async function listAccounts(db: Database): Promise<Account[]> {
  return db.selectFrom('accounts').selectAll().orderBy('id').execute();
}

export async function updateAccount(
  db: Database,
  id: string,
  changes: {
    name?: string;
    price_minor?: number;
    category_prices?: Record<string, number>;
    requests_per_second?: number | null;
    charge_free_messages?: boolean;
    /** An operator's tier: recorded with source `admin` (Meta's comes through recordMetaMessagingTier). */
    messaging_tier?: number | null;
    session_price_minor?: number;
  },
): Promise<Account | undefined> {
  return db
    .updateTable('accounts')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.price_minor !== undefined ? { price_minor: changes.price_minor } : {}),
      ...(changes.category_prices ? { category_prices: JSON.stringify(changes.category_prices) } : {}),
      ...(changes.requests_per_second !== undefined ? { requests_per_second: changes.requests_per_second } : {}),
      ...(changes.charge_free_messages !== undefined ? { charge_free_messages: changes.charge_free_messages } : {}),
      ...(changes.messaging_tier !== undefined
        ? { messaging_tier: changes.messaging_tier, messaging_tier_source: 'admin' as const }
        : {}),
      ...(changes.session_price_minor !== undefined ? { session_price_minor: changes.session_price_minor } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Stores the tier Meta reported for the account's numbers (null = unlimited), with source
 * `meta` and when it was read; answers the tier it replaced as well, read under the row's lock
 * so a caller knows whether the account just became tiered (and needs its reach rebuilt).
 */
export async function recordMetaMessagingTier(
  db: Database,
  id: string,
  tier: number | null,
  syncedAt: Date,
): Promise<{ account: Account; previousTier: number | null } | undefined> {
  const result = await sql<Account & { previous_tier: number | null }>`
    update accounts a
    set messaging_tier = ${tier}, messaging_tier_source = 'meta', messaging_tier_synced_at = ${syncedAt}
    from (select id, messaging_tier from accounts where id = ${id} for update) old
    where a.id = old.id
    returning a.*, old.messaging_tier as previous_tier`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const { previous_tier: previousTier, ...account } = row;
  return { account, previousTier };
}

/** Of these accounts, those that do not charge a message Meta reports free (charge_free_messages false). */
export async function accountsWaivingFreeMessages(db: Database, accountIds: string[]): Promise<Set<string>> {
  if (accountIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('accounts')
    .select('id')
    .where('id', 'in', [...new Set(accountIds)])
    .where('charge_free_messages', '=', false)
    .execute();
  return new Set(rows.map((r) => r.id));
}
