import { sql, type Kysely } from 'kysely';

/**
 * Contacts: the customers an account hears from, one row per (account, number). The webhook
 * applier upserts a row per inbound message (WhatsApp profile name, Meta's business-scoped
 * user id, first and last inbound time); the API lets the account tag and annotate them.
 *
 * Opting out of marketing: a STOP reply, Meta's 131050 (the user stopped marketing) or the
 * account by hand sets `opted_out`; the send path refuses MARKETING templates to such a number
 * (one lookup on the unique index per send or batch). `opt_changed_at` is when the latest opt
 * change happened (Meta's time of the reply or failure, or now for a change by hand): a change
 * applies only if it is not older than the one recorded, so webhooks arriving out of order (a STOP
 * delivered after the START that followed it) leave the contact as its customer last said.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('profile_name', 'text')
    .addColumn('user_id', 'text')
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('opted_out', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('opted_out_at', 'timestamptz')
    .addColumn('opt_out_reason', 'text', (c) =>
      c.check(sql`opt_out_reason in ('stop_keyword', 'meta_131050', 'manual')`),
    )
    .addColumn('opt_out_keyword', 'text')
    .addColumn('opt_changed_at', 'timestamptz')
    .addColumn('first_seen_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_inbound_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('contacts_account_number_key', ['account_id', 'number'])
    .addCheckConstraint(
      'contacts_opted_out_reason',
      sql`opted_out = (opted_out_at is not null and opt_out_reason is not null)`,
    )
    .execute();
  // GET /contacts pages an account's contacts newest first; tag filters use the GIN index.
  await db.schema.createIndex('contacts_account_id_idx').on('contacts').columns(['account_id', 'id']).execute();
  await db.schema.createIndex('contacts_tags_idx').on('contacts').using('gin').column('tags').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('contacts').execute();
}
