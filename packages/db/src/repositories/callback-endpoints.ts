import { sql, type Insertable } from 'kysely';
import type { Database } from '../database';
import type { CallbackEndpoint, CallbackEndpointsTable } from '../schema/index';

// An account's callback endpoints. Every lookup is scoped to the account: another account's
// endpoint is simply not found.

export async function insertCallbackEndpoint(
  db: Database,
  row: Insertable<CallbackEndpointsTable>,
): Promise<CallbackEndpoint> {
  return db.insertInto('callback_endpoints').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function listCallbackEndpoints(db: Database, accountId: string): Promise<CallbackEndpoint[]> {
  return db.selectFrom('callback_endpoints').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
}

/**
 * Serialises registrations of one account's endpoints for the rest of the transaction, before
 * its count takes a snapshot (READ COMMITTED: one per statement), so two concurrent creates
 * cannot both see room for one more. An advisory lock rather than the account's row: nothing
 * else waits on it. Hold it only around count and insert, never across a network call.
 */
export async function lockCallbackEndpointsOfAccount(trx: Database, accountId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('callback_endpoints'), hashtext(${accountId}))`.execute(trx);
}

export async function countCallbackEndpoints(db: Database, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('callback_endpoints')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findCallbackEndpoint(
  db: Database,
  accountId: string,
  id: string,
): Promise<CallbackEndpoint | undefined> {
  return db
    .selectFrom('callback_endpoints')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface CallbackEndpointChanges {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

/**
 * Changes an endpoint. Enabling it (again) clears what Dak recorded when it disabled it
 * (`disabled_reason`, `failing_since`), so it gets a fresh 3 days before it can be disabled again.
 */
export async function updateCallbackEndpoint(
  db: Database,
  accountId: string,
  id: string,
  changes: CallbackEndpointChanges,
  now: Date = new Date(),
): Promise<CallbackEndpoint | undefined> {
  return db
    .updateTable('callback_endpoints')
    .set({
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.events !== undefined ? { events: changes.events } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
      ...(changes.enabled === true ? { disabled_reason: null, failing_since: null, retry_at: null } : {}),
      updated_at: now,
    })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteCallbackEndpoint(
  db: Database,
  accountId: string,
  id: string,
): Promise<CallbackEndpoint | undefined> {
  return db
    .deleteFrom('callback_endpoints')
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * A new secret; the current one becomes the previous and keeps signing beside it until
 * `previousUntil`. Rotating again within that window drops the oldest.
 */
export async function rotateCallbackSecret(
  db: Database,
  accountId: string,
  id: string,
  secretEncrypted: string,
  previousUntil: Date,
  now: Date = new Date(),
): Promise<CallbackEndpoint | undefined> {
  return db
    .updateTable('callback_endpoints')
    .set({
      previous_secret_encrypted: sql<string>`secret_encrypted`,
      previous_secret_until: previousUntil,
      secret_encrypted: secretEncrypted,
      updated_at: now,
    })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}
