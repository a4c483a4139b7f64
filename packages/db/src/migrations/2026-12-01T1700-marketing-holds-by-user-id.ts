import { sql, type Kysely } from 'kysely';

/**
 * The dispatcher reads, once per admission, the holds an account took under customers' user ids
 * (a 131049 to a customer Meta named by user id only), to hold marketing to the number the
 * customer is later known by. Such holds are rare among an account's holds; this index holds only
 * them (a user id has a dot, a number never does), so that read costs one probe per account.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index marketing_holds_user_id_idx on marketing_holds (account_id) where recipient like '%.%'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index marketing_holds_user_id_idx`.execute(db);
}
