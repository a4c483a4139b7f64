import type { Database } from '../database';
import type { Insertable } from 'kysely';
import type { Account, ApiKey, ApiKeysTable } from '../schema/index';

export async function insertApiKey(db: Database, row: Insertable<ApiKeysTable>): Promise<ApiKey> {
  return db.insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow();
}

export type ActiveApiKey = ApiKey & {
  account: Pick<
    Account,
    'currency' | 'price_minor' | 'category_prices' | 'session_price_minor' | 'requests_per_second'
  >;
};

/**
 * A key that exists, is not revoked and has not expired, with what a send needs of its account
 * (currency, prices and its request rate limit), in one query: this runs on every request.
 */
export async function findActiveApiKeyByHash(
  db: Database,
  keyHash: string,
  now = new Date(),
): Promise<ActiveApiKey | undefined> {
  const row = await db
    .selectFrom('api_keys as k')
    .innerJoin('accounts as a', 'a.id', 'k.account_id')
    .selectAll('k')
    .select([
      'a.currency',
      'a.price_minor',
      'a.category_prices',
      'a.session_price_minor',
      'a.requests_per_second as account_requests_per_second',
    ])
    .where('k.key_hash', '=', keyHash)
    .where('k.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('k.expires_at', 'is', null), eb('k.expires_at', '>', now)]))
    .executeTakeFirst();
  if (!row) return undefined;
  const { currency, price_minor, category_prices, session_price_minor, account_requests_per_second, ...key } = row;
  return {
    ...key,
    account: {
      currency,
      price_minor,
      category_prices,
      session_price_minor,
      requests_per_second: account_requests_per_second,
    },
  };
}

export async function touchApiKey(db: Database, id: string, now = new Date()): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
}

export async function listApiKeys(db: Database, accountId: string): Promise<ApiKey[]> {
  return db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
}

export async function revokeApiKey(db: Database, id: string, now = new Date()): Promise<ApiKey | undefined> {
  return db
    .updateTable('api_keys')
    .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function updateApiKey(
  db: Database,
  id: string,
  changes: { name?: string; requests_per_second?: number },
): Promise<ApiKey | undefined> {
  return db.updateTable('api_keys').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
}
