import { sql, type Kysely } from 'kysely';

/**
 * Media an account uploaded through Dak, or that a customer sent to one of its numbers, by
 * Meta's media id (the id a send names). One row per (account, Meta id): the account is what
 * GET /media/:id checks, so another account's id is simply not there. `stored_path` and
 * `stored_bytes` are set once Dak keeps the file on disk (MEDIA_DIR); a row without them is
 * fetched from Meta on the next read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('media')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('meta_media_id', 'text', (c) => c.notNull())
    .addColumn('sender_id', 'text', (c) => c.references('phone_numbers.id').onDelete('set null'))
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('upload', 'inbound')`))
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('file_size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('filename', 'text')
    .addColumn('stored_path', 'text')
    .addColumn('stored_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('media_pkey', ['account_id', 'meta_media_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('media').execute();
}
