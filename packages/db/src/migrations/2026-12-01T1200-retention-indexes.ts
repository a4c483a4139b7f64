import { sql, type Kysely } from 'kysely';

/**
 * Retention reads old rows across every account: the worker deletes customers' messages by
 * when they were sent, and the API deletes kept media by when it was recorded. The existing
 * indexes lead with the account or the conversation, so each chunk would scan the whole table;
 * these make it a range read. (Conversations left empty are found through the messages just
 * deleted, so they need none.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index inbound_messages_received_idx on inbound_messages (received_at)`.execute(db);
  await sql`create index media_created_idx on media (created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists media_created_idx`.execute(db);
  await sql`drop index if exists inbound_messages_received_idx`.execute(db);
}
