import { sql, type Kysely } from 'kysely';

/**
 * Two ids, two names. `phone_number_id` was Meta's id in `phone_numbers` but Dak's own `pn_…`
 * id in `messages`, `message_events` and `batches`. Meta's id becomes `meta_phone_number_id`
 * (and `api_keys.meta_phone_number_ids`, the Meta ids a key may send from); Dak's id, wherever
 * a row names the number it was sent from, becomes `sender_id`. The constraints whose names
 * mention the old columns follow them. No function, trigger or index expression names these
 * columns (the change notifier reads whole rows), so renames are all there is; they take a
 * brief lock and rewrite no data. The public and admin APIs keep their field names.
 */
const COLUMNS = [
  ['phone_numbers', 'phone_number_id', 'meta_phone_number_id'],
  ['api_keys', 'phone_number_ids', 'meta_phone_number_ids'],
  ['messages', 'phone_number_id', 'sender_id'],
  ['message_events', 'phone_number_id', 'sender_id'],
  ['batches', 'phone_number_id', 'sender_id'],
] as const;

const CONSTRAINTS = [
  ['phone_numbers', 'phone_numbers_phone_number_id_key', 'phone_numbers_meta_phone_number_id_key'],
  ['messages', 'messages_phone_number_id_fkey', 'messages_sender_id_fkey'],
  ['batches', 'batches_phone_number_id_fkey', 'batches_sender_id_fkey'],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, from, to] of COLUMNS) {
    await sql`alter table ${sql.table(table)} rename column ${sql.id(from)} to ${sql.id(to)}`.execute(db);
  }
  // Renaming a unique constraint renames its index too.
  for (const [table, from, to] of CONSTRAINTS) {
    await sql`alter table ${sql.table(table)} rename constraint ${sql.id(from)} to ${sql.id(to)}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table, from, to] of CONSTRAINTS) {
    await sql`alter table ${sql.table(table)} rename constraint ${sql.id(to)} to ${sql.id(from)}`.execute(db);
  }
  for (const [table, from, to] of COLUMNS) {
    await sql`alter table ${sql.table(table)} rename column ${sql.id(to)} to ${sql.id(from)}`.execute(db);
  }
}
