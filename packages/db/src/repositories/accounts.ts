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
      ...(changes.messaging_tier !== undefined ? { messaging_tier: changes.messaging_tier } : {}),
      ...(changes.session_price_minor !== undefined ? { session_price_minor: changes.session_price_minor } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
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
