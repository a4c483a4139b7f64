import { sql, type Kysely } from 'kysely';

/**
 * A replay pages through an endpoint's deliveries by (created_at, id). Deliveries recorded in one
 * transaction share created_at (an applier batch: hundreds), so the index that served replay,
 * (endpoint_id, created_at), made each page read and sort the whole group it starts in. With id
 * in the key a page starts at its cursor; the listings the old index served use the same prefix.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index callback_deliveries_endpoint_created_id_idx on callback_deliveries (endpoint_id, created_at, id)`.execute(
    db,
  );
  await sql`drop index callback_deliveries_endpoint_created_idx`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index callback_deliveries_endpoint_created_idx on callback_deliveries (endpoint_id, created_at)`.execute(
    db,
  );
  await sql`drop index callback_deliveries_endpoint_created_id_idx`.execute(db);
}
