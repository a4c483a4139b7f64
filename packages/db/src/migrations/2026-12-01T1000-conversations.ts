import { sql, type Kysely } from 'kysely';

/**
 * Conversations: one row per (business number, contact) an account has exchanged messages
 * with, and the customers' messages kept as rows.
 *
 * `inbound_messages`: each inbound message the webhook applier applied (unique per receiving
 * number and wamid, so Meta's redeliveries store once), with the text or caption, Meta's media
 * id, mime type and sha256, the wamid it answers (`context.id`, or the message a reaction is
 * on) and Dak's message when that is one of ours, and when the account read it.
 *
 * `conversations`: the id is deterministic (`cnv_` and a hash of account, number and contact;
 * see @dak/core conversationId) so the applier can upsert it without a lookup. The applier
 * upserts it for each inbound message (`last_inbound_at`: the 24-hour service window runs from
 * it) and for each outbound message Meta reported on (`last_activity_at`, by which
 * GET /conversations pages). Rows are backfilled from the messages already sent.
 *
 * `messages_conversation_idx` lists a conversation's outbound messages newest first; it is one
 * more index on the send path's table, the price of a conversation view over both directions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('sender_id', 'text', (c) => c.notNull().references('phone_numbers.id').onDelete('cascade'))
    .addColumn('contact_number', 'text', (c) => c.notNull())
    .addColumn('last_inbound_at', 'timestamptz')
    .addColumn('last_activity_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('conversations_sender_contact_key', ['sender_id', 'contact_number'])
    .execute();
  await sql`create index conversations_activity_idx on conversations (account_id, last_activity_at desc, id desc)`.execute(
    db,
  );

  await db.schema
    .createTable('inbound_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('sender_id', 'text', (c) => c.notNull().references('phone_numbers.id').onDelete('cascade'))
    .addColumn('conversation_id', 'text', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('contact_number', 'text', (c) => c.notNull())
    .addColumn('wamid', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('text', 'text')
    .addColumn('media_id', 'text')
    .addColumn('media_mime_type', 'text')
    .addColumn('media_sha256', 'text')
    .addColumn('context_wamid', 'text')
    .addColumn('context_message_id', 'text', (c) => c.references('messages.id').onDelete('set null'))
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('read_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('inbound_messages_sender_wamid_key', ['sender_id', 'wamid'])
    .execute();
  await sql`create index inbound_messages_conversation_idx on inbound_messages (conversation_id, received_at desc, id desc)`.execute(
    db,
  );
  await sql`create index inbound_messages_unread_idx on inbound_messages (conversation_id) where read_at is null`.execute(
    db,
  );
  await sql`create index messages_conversation_idx on messages (sender_id, recipient, queued_at desc, id desc)`.execute(
    db,
  );

  // The conversations of messages sent before this migration, with the same id conversationId gives.
  await sql`insert into conversations (id, account_id, sender_id, contact_number, last_activity_at)
    select 'cnv_' || left(encode(sha256(convert_to(account_id || chr(31) || sender_id || chr(31) || recipient, 'UTF8')), 'hex'), 26),
           account_id, sender_id, recipient, max(queued_at)
    from messages where wamid is not null
    group by account_id, sender_id, recipient
    on conflict do nothing`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index messages_conversation_idx`.execute(db);
  await db.schema.dropTable('inbound_messages').execute();
  await db.schema.dropTable('conversations').execute();
}
