import type { Database } from '../database';
import type { Account } from '../schema/index';

export async function insertAccount(
  db: Database,
  account: { id: string; name: string; waba_id: string; currency: string; price_minor: number; category_prices: Record<string, number> },
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

export async function updateAccountPrices(
  db: Database,
  id: string,
  prices: { price_minor?: number; category_prices?: Record<string, number> },
): Promise<Account | undefined> {
  return db
    .updateTable('accounts')
    .set({
      ...(prices.price_minor !== undefined ? { price_minor: prices.price_minor } : {}),
      ...(prices.category_prices ? { category_prices: JSON.stringify(prices.category_prices) } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
