import { sql, type Kysely } from 'kysely';

/**
 * API processes keep keys, prices, senders and templates in memory. Every change to those
 * tables, whoever makes it (the admin API, the worker's template sync, the webhook applier, an
 * operator with psql), notifies `dak_changes` with the table and the account, at commit; each
 * process drops what it holds of that account. The payload names the account only, so a sync
 * that rewrites 6,000 templates sends one notification (Postgres folds identical ones within a
 * transaction). A key's last_used_at is a hint written once a minute: it notifies nothing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function dak_notify_change() returns trigger language plpgsql as $$
    declare
      changed jsonb;
    begin
      if tg_op = 'DELETE' then changed := to_jsonb(old); else changed := to_jsonb(new); end if;
      if tg_op = 'UPDATE' and tg_table_name = 'api_keys'
         and (to_jsonb(old) - 'last_used_at') = (changed - 'last_used_at') then
        return null;
      end if;
      -- accounts is the account itself; every other table names its account (both, if a row moved).
      perform pg_notify('dak_changes', tg_table_name || ':' || coalesce(changed->>'account_id', changed->>'id'));
      if tg_op = 'UPDATE' and (to_jsonb(old)->>'account_id') is distinct from (changed->>'account_id') then
        perform pg_notify('dak_changes', tg_table_name || ':' || (to_jsonb(old)->>'account_id'));
      end if;
      return null;
    end $$`.execute(db);
  for (const table of ['accounts', 'api_keys', 'phone_numbers', 'templates']) {
    await sql`
      create trigger ${sql.id(`${table}_notify_change`)} after insert or update or delete on ${sql.table(table)}
      for each row execute function dak_notify_change()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['accounts', 'api_keys', 'phone_numbers', 'templates']) {
    await sql`drop trigger if exists ${sql.id(`${table}_notify_change`)} on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function if exists dak_notify_change()`.execute(db);
}
