import { sql, type Kysely } from 'kysely';

/**
 * Business-scoped user ids (2026): a send may name its recipient by Meta's user id, and a
 * customer who adopted a username writes with no number at all. Both are resolved to the
 * contact that user id belongs to, preferring the one known by number, so one customer keeps
 * one conversation: this index serves that lookup (an account's contacts by user id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index contacts_user_id_idx on contacts (account_id, user_id) where user_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index contacts_user_id_idx`.execute(db);
}
