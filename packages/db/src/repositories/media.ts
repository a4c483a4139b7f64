import { sql, type Insertable } from 'kysely';
import type { Database } from '../database';
import type { Media, MediaTable } from '../schema/index';

/**
 * Records media for an account; a second record of the same id (an upload retried, two readers
 * at once) keeps the first. One statement answers the row either way: a separate read could find
 * it gone (retention deleting it in between).
 */
export async function insertMedia(db: Database, row: Insertable<MediaTable>): Promise<Media> {
  return db
    .insertInto('media')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['account_id', 'meta_media_id']).doUpdateSet({ meta_media_id: (eb) => eb.ref('media.meta_media_id') }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findMedia(db: Database, accountId: string, metaMediaId: string): Promise<Media | undefined> {
  return db
    .selectFrom('media')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('meta_media_id', '=', metaMediaId)
    .executeTakeFirst();
}

/**
 * Marks a file as kept on disk if the total kept stays within `maxStoredBytes`; false when it
 * would not (the caller then deletes the file and streams from Meta next time). One statement:
 * the sum and the update see the same snapshot, so two concurrent keeps may together pass the
 * cap by at most one file each, which a cache can afford.
 */
export async function markMediaStored(
  db: Database,
  key: { accountId: string; metaMediaId: string },
  storedPath: string,
  bytes: number,
  maxStoredBytes: number,
): Promise<boolean> {
  const updated = await db
    .updateTable('media')
    .set({ stored_path: storedPath, stored_bytes: bytes })
    .where('account_id', '=', key.accountId)
    .where('meta_media_id', '=', key.metaMediaId)
    .where(sql<boolean>`(select coalesce(sum(stored_bytes), 0) from media) + ${bytes} <= ${maxStoredBytes}`)
    .executeTakeFirst();
  return updated.numUpdatedRows > 0n;
}

/** Forgets a kept file (it was missing on disk). */
export async function clearMediaStored(db: Database, accountId: string, metaMediaId: string): Promise<void> {
  await db
    .updateTable('media')
    .set({ stored_path: null, stored_bytes: 0 })
    .where('account_id', '=', accountId)
    .where('meta_media_id', '=', metaMediaId)
    .execute();
}

/**
 * Deletes up to `limit` media records past retention, oldest first, and answers the paths of
 * their kept files (the caller deletes those): every record made before `before`, and a
 * customer's media once no message of the account names it any more (its message went with
 * INBOUND_RETENTION_DAYS, so its file goes too). A later GET of the id finds no record: a
 * customer's media whose message is still kept is fetched from Meta again, anything else is a 404.
 */
export async function deleteExpiredMedia(db: Database, before: Date, limit: number): Promise<(string | null)[]> {
  const { rows } = await sql<{ stored_path: string | null }>`
    delete from media where (account_id, meta_media_id) in (
      select account_id, meta_media_id from media m
      where m.created_at < ${before}
        or (m.source = 'inbound' and not exists (
          select 1 from inbound_messages i where i.account_id = m.account_id and i.media_id = m.meta_media_id))
      order by m.created_at limit ${limit} for update skip locked
    ) returning stored_path`.execute(db);
  return rows.map((r) => r.stored_path);
}

/** Which of `paths` a media record keeps (the rest are files no record knows). */
export async function keptMediaPaths(db: Database, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  const rows = await db
    .selectFrom('media')
    .select('stored_path')
    .where('stored_path', 'in', [...paths])
    .execute();
  return new Set(rows.flatMap((r) => (r.stored_path ? [r.stored_path] : [])));
}
