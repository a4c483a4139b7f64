import { sql, type Kysely } from 'kysely';

/**
 * Session messages (free-form replies inside the customer's 24-hour window) travel in the
 * messages table beside templates, through the same accept, dispatch and status pipeline:
 * - `kind`: 'template' (every earlier row) or 'session'.
 * - `session`: a session message's Meta payload, `{type, <type>: {...}, context_wamid?}`; null
 *   for templates. Its template columns hold empty strings (template_category 'SERVICE', Meta's
 *   pricing category for such messages), so nothing that reads templates needs to change.
 * - `accounts.session_price_minor`: what a session message costs the account; 0 by default, as
 *   Meta has not charged service messages since November 2024.
 * Session rows are accepted with priority 'authentication': customer replies take the fastest lane.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('messages')
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .defaultTo('template')
        .check(sql`kind in ('template', 'session')`),
    )
    .addColumn('session', 'jsonb')
    .execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('session_price_minor', 'bigint', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`session_price_minor >= 0`),
    )
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('session_price_minor').execute();
  await sql`delete from ledger_entries where message_id in (select id from messages where kind = 'session')`.execute(
    db,
  );
  await sql`delete from messages where kind = 'session'`.execute(db);
  await db.schema.alterTable('messages').dropColumn('session').dropColumn('kind').execute();
}
