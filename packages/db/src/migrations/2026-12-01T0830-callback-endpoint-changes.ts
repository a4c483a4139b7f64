import { sql, type Kysely } from 'kysely';

/**
 * The webhook applier and the workers remember which callback events each account wants (the
 * producers ask for every batch they write); a change to an account's endpoints announces
 * itself on `dak_changes` like keys and templates do, so a new endpoint hears the next event.
 *
 * `retry_at`: while an endpoint is failing, one delivery at a time probes it, not before this;
 * the rest wait in Postgres until it answers again (then all go at once).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('callback_endpoints').addColumn('retry_at', 'timestamptz').execute();
  await sql`
    create trigger callback_endpoints_notify_change after insert or update or delete on callback_endpoints
    for each row execute function dak_notify_change()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists callback_endpoints_notify_change on callback_endpoints`.execute(db);
  await db.schema.alterTable('callback_endpoints').dropColumn('retry_at').execute();
}
