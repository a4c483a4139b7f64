import { sql, type Kysely } from 'kysely';

/**
 * Dispatch from Postgres (apps/worker/src/dispatch): the messages table is the queue, and a
 * worker admits to Redis only what each number can send in the next window.
 *
 * - `not_before`: a queued message is not admitted before this time (a retry's backoff, a
 *   recipient's pair-rate wait); null means now.
 * - `pair_retries`: how many times Meta refused it for its recipient (131056); its next wait is
 *   4^n s. `attempts` now counts the tries that spent one (transient refusals), not claims.
 * - `admitted_at`: when the dispatcher put the message into a dispatch job. A job Redis lost is
 *   noticed because its messages stay queued with an old admitted_at; they are admitted again.
 * - `dak_lane(priority, template_category)`: 0 authentication, 1 utility, 2 marketing. Rows
 *   from before priorities were stored fall back to their template's category.
 * - The dispatch index lists each number's queued messages in lane order, then FIFO, so the
 *   admission reads exactly the rows it takes, and finding the numbers with a backlog is a
 *   skip scan over its first column.
 *
 * Plain CREATE INDEX: migrations run in one transaction. On a large live table, build it
 * CONCURRENTLY by hand first (same name); `if not exists` then skips it here.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('messages')
    .addColumn('not_before', 'timestamptz')
    .addColumn('admitted_at', 'timestamptz')
    .addColumn('pair_retries', 'smallint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    create function dak_lane(priority text, category text) returns smallint
    language sql immutable parallel safe as $$
      select case coalesce(priority, lower(category)) when 'authentication' then 0 when 'utility' then 1 else 2 end::smallint
    $$`.execute(db);
  await sql`create index if not exists messages_dispatch_idx on messages (sender_id, dak_lane(priority, template_category), id) where status = 'queued'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists messages_dispatch_idx`.execute(db);
  await sql`drop function if exists dak_lane(text, text)`.execute(db);
  await db.schema
    .alterTable('messages')
    .dropColumn('pair_retries')
    .dropColumn('admitted_at')
    .dropColumn('not_before')
    .execute();
}
