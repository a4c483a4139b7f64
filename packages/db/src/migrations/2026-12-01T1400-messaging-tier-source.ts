import { sql, type Kysely } from 'kysely';

/**
 * Where an account's messaging tier came from. Meta reports it on each phone number
 * (`messaging_limit_tier`), and the worker and the admin API now read it there; an operator may
 * still set it by hand. `messaging_tier_source` says which wrote it last: `default` (never set:
 * unlimited), `admin` or `meta`; `messaging_tier_synced_at` is when Dak last read it from Meta.
 * A tier set before this migration can only have come from the admin API.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table accounts
      add column messaging_tier_source text not null default 'default'
        constraint accounts_messaging_tier_source_check check (messaging_tier_source in ('default', 'admin', 'meta')),
      add column messaging_tier_synced_at timestamptz`.execute(db);
  await sql`update accounts set messaging_tier_source = 'admin' where messaging_tier is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table accounts drop column messaging_tier_source, drop column messaging_tier_synced_at`.execute(db);
}
