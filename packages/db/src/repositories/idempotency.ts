import { sql } from 'kysely';
import type { Database } from '../database';

export interface StoredResponse {
  request_hash: string;
  status_code: number;
  response: unknown;
}

/** Keys older than 24 h no longer count (SPEC: same key + same body within 24 h). */
export async function findIdempotentResponse(
  db: Database,
  accountId: string,
  key: string,
  now = new Date(),
): Promise<StoredResponse | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'status_code', 'response'])
    .where('account_id', '=', accountId)
    .where('key', '=', key)
    .where('created_at', '>', new Date(now.getTime() - 24 * 3600_000))
    .executeTakeFirst();
}

/**
 * Records the first response for a key inside the accept transaction. Returns false when the
 * key is already taken (a concurrent request with the same key won the race, or an expired
 * record is still there and was replaced).
 */
export async function saveIdempotentResponse(
  db: Database,
  row: { account_id: string; key: string; request_hash: string; status_code: number; response: unknown },
  now = new Date(),
): Promise<boolean> {
  const saved = await db
    .insertInto('idempotency_keys')
    .values({ ...row, response: JSON.stringify(row.response), created_at: now })
    .onConflict((oc) =>
      oc
        .columns(['account_id', 'key'])
        .doUpdateSet({
          request_hash: row.request_hash,
          status_code: row.status_code,
          response: JSON.stringify(row.response),
          created_at: now,
        })
        .where('idempotency_keys.created_at', '<=', new Date(now.getTime() - 24 * 3600_000)),
    )
    .returning('key')
    .executeTakeFirst();
  return saved !== undefined;
}

/** Deletes up to `limit` keys recorded before `cutoff` (they no longer count), oldest first; returns how many. */
export async function deleteIdempotencyKeysBefore(db: Database, cutoff: Date, limit: number): Promise<number> {
  const result = await sql`
    delete from idempotency_keys where (account_id, key) in (
      select account_id, key from idempotency_keys where created_at < ${cutoff} order by created_at limit ${limit}
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
