import { sql, type Insertable } from 'kysely';
import type { Database } from '../database';
import type { Media, MediaTable } from '../schema/index';

/** Records media for an account; a second record of the same id (an upload retried, two readers at once) keeps the first. */
export async function insertMedia(db: Database, row: Insertable<MediaTable>): Promise<Media> {
  await db
    .insertInto('media')
    .values(row)
    .onConflict((oc) => oc.columns(['account_id', 'meta_media_id']).doNothing())
    .execute();
  return (await findMedia(db, row.account_id, row.meta_media_id))!;
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
