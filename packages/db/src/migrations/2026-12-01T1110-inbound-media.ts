import { sql, type Kysely } from 'kysely';

/** GET /media/:id finds which of the account's numbers a customer's media came to (and only then asks Meta). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index inbound_messages_media_idx on inbound_messages (account_id, media_id) where media_id is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists inbound_messages_media_idx`.execute(db);
}
