import { sql, type Kysely } from 'kysely';

/**
 * Marketing holds: Meta's 131049 (per-user marketing limit) means "not now to this user", and
 * Meta advises no retry within 24 h. The webhook applier records a hold per account and
 * recipient; a send of marketing to a held recipient can be refused or deferred until `until`.
 * One row per (account, recipient): a later 131049 only moves `until` later. Retention deletes
 * rows past `until` (the index serves that scan); nothing else needs them once they end.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('marketing_holds')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('until', 'timestamptz', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('marketing_holds_pkey', ['account_id', 'recipient'])
    .execute();
  await db.schema.createIndex('marketing_holds_until_idx').on('marketing_holds').column('until').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('marketing_holds').execute();
}
