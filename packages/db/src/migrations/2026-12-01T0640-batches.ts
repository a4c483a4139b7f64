import { sql, type Kysely } from 'kysely';

/**
 * Batches (POST /send-batch) and the messages list (GET /messages).
 *
 * - `batches` records each accepted batch; its messages carry its id in `messages.batch_id`.
 *   The row commits in the same transaction as the messages and their hold, so a batch row
 *   exists exactly when its messages do.
 * - `messages.priority` stores the lane a message was sent in (authentication, utility,
 *   marketing) for the priority lanes a later change builds; null on rows from before.
 * - The list is newest first by id (ids sort by creation time). Each filter has an index that
 *   starts with the account, then the filter, then id, so a page is a range scan that stops
 *   after `limit` rows however many messages the account holds. Callers see `sending` as
 *   `queued`; the status index is on that public status so a `queued` page is one range too.
 *   The client_reference index gains id for the same reason (the old one is its prefix).
 *
 * Plain CREATE INDEX: migrations run in one transaction. On a large live table, build these
 * indexes CONCURRENTLY by hand first (same names); `if not exists` then skips them here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('phone_number_id', 'text', (c) => c.notNull().references('phone_numbers.id'))
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('template_name', 'text', (c) => c.notNull())
    .addColumn('template_language', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) =>
      c.notNull().check(sql`priority in ('authentication', 'utility', 'marketing')`),
    )
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('accepted', 'integer', (c) => c.notNull().check(sql`accepted > 0`))
    .addColumn('rejected', 'integer', (c) => c.notNull().check(sql`rejected >= 0`))
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('batches_account_idx').on('batches').columns(['account_id', 'id']).execute();

  await db.schema
    .alterTable('messages')
    .addColumn('priority', 'text', (c) => c.check(sql`priority in ('authentication', 'utility', 'marketing')`))
    .execute();

  await sql`
    create function dak_public_status(status text) returns text
    language sql immutable parallel safe as $$
      select case when status = 'sending' then 'queued' else status end
    $$`.execute(db);

  await sql`create index if not exists messages_account_status_idx on messages (account_id, dak_public_status(status), id)`.execute(
    db,
  );
  await sql`create index if not exists messages_account_batch_idx on messages (account_id, batch_id, id) where batch_id is not null`.execute(
    db,
  );
  await sql`create index if not exists messages_account_recipient_idx on messages (account_id, recipient, id)`.execute(
    db,
  );
  await sql`create index if not exists messages_account_client_reference_idx on messages (account_id, client_reference, id) where client_reference is not null`.execute(
    db,
  );
  await sql`drop index if exists messages_client_reference_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index if not exists messages_client_reference_idx on messages (account_id, client_reference) where client_reference is not null`.execute(
    db,
  );
  for (const index of [
    'messages_account_client_reference_idx',
    'messages_account_recipient_idx',
    'messages_account_batch_idx',
    'messages_account_status_idx',
  ]) {
    await sql`drop index if exists ${sql.id(index)}`.execute(db);
  }
  await sql`drop function if exists dak_public_status(text)`.execute(db);
  await db.schema.alterTable('messages').dropColumn('priority').execute();
  await db.schema.dropTable('batches').execute();
}
