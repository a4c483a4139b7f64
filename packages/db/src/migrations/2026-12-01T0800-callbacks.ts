import { sql, type Kysely } from 'kysely';

/**
 * Callbacks: Dak POSTs events to the business's own endpoints (apps/worker/src/callbacks).
 *
 * - `callback_endpoints`: an account's registered URLs, each with the event types it wants and
 *   its signing secret (encrypted at rest; `previous_secret_encrypted` keeps signing beside it
 *   until `previous_secret_until` after a rotation). `failing_since` is set by the first failed
 *   attempt after a success and cleared by the next success; an endpoint failing for too long
 *   is disabled with `disabled_reason`, which the account sees.
 * - `callback_events`: one row per event that at least one endpoint wanted (events nobody
 *   subscribed to are never stored). `message_id` and `sequence` order a message's events.
 * - `callback_deliveries`: one per (endpoint, event). Postgres owns the state; a BullMQ job per
 *   delivery is only its timer. `next_attempt_at` is when a pending delivery is due, and for a
 *   `delivering` one when its claim lapses (the sweeper then takes it back). `message_id` and
 *   `sequence` are copied from the event so the per-message order check is one index probe.
 * - `callback_attempts`: every HTTP attempt, what `GET /callbacks/:id/deliveries` lists.
 *
 * Deleting an endpoint deletes its deliveries and attempts; deleting an event (retention) its
 * deliveries and their attempts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('callback_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('events', sql`text[]`, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('secret_encrypted', 'text', (c) => c.notNull())
    .addColumn('previous_secret_encrypted', 'text')
    .addColumn('previous_secret_until', 'timestamptz')
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('disabled_reason', 'text')
    .addColumn('failing_since', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('callback_endpoints_account_idx')
    .on('callback_endpoints')
    .columns(['account_id', 'id'])
    .execute();

  await db.schema
    .createTable('callback_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('sequence', 'integer')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Retention deletes by age.
  await db.schema.createIndex('callback_events_created_idx').on('callback_events').column('created_at').execute();

  await db.schema
    .createTable('callback_deliveries')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('callback_endpoints.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull().references('callback_events.id').onDelete('cascade'))
    .addColumn('message_id', 'text')
    .addColumn('sequence', 'integer')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('pending', 'delivering', 'delivered', 'failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull())
    .addColumn('first_attempt_at', 'timestamptz')
    .addColumn('last_http_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('callback_deliveries_endpoint_event_key', ['endpoint_id', 'event_id'])
    .execute();
  // The sweeper's scan: pending deliveries past due (their timer lost) and lapsed claims.
  await sql`create index callback_deliveries_due_idx on callback_deliveries (next_attempt_at) where status in ('pending', 'delivering')`.execute(
    db,
  );
  // The order check: does this endpoint still owe an earlier event of the same message?
  await sql`create index callback_deliveries_order_idx on callback_deliveries (endpoint_id, message_id, sequence) where status in ('pending', 'delivering') and message_id is not null`.execute(
    db,
  );
  // Replay of a time range and listings per endpoint.
  await db.schema
    .createIndex('callback_deliveries_endpoint_created_idx')
    .on('callback_deliveries')
    .columns(['endpoint_id', 'created_at'])
    .execute();
  // The cascade from a deleted event.
  await db.schema.createIndex('callback_deliveries_event_idx').on('callback_deliveries').column('event_id').execute();

  await db.schema
    .createTable('callback_attempts')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('delivery_id', 'bigint', (c) => c.notNull().references('callback_deliveries.id').onDelete('cascade'))
    .addColumn('endpoint_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('http_status', 'integer')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The delivery log, newest first, whole or for one event; and the cascade from a delivery.
  await db.schema
    .createIndex('callback_attempts_endpoint_idx')
    .on('callback_attempts')
    .columns(['endpoint_id', 'id'])
    .execute();
  await db.schema
    .createIndex('callback_attempts_endpoint_event_idx')
    .on('callback_attempts')
    .columns(['endpoint_id', 'event_id', 'id'])
    .execute();
  await db.schema.createIndex('callback_attempts_delivery_idx').on('callback_attempts').column('delivery_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('callback_attempts').execute();
  await db.schema.dropTable('callback_deliveries').execute();
  await db.schema.dropTable('callback_events').execute();
  await db.schema.dropTable('callback_endpoints').execute();
}
