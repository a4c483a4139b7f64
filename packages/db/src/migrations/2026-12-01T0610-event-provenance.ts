import { sql, type Kysely } from 'kysely';

// Migrations never import application code: they describe tables as they were on the day.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('message_events')
    // What the envelope claims: the entry's WABA and metadata.phone_number_id (Meta's ids).
    .addColumn('waba_id', 'text')
    .addColumn('meta_phone_number_id', 'text')
    // What Dak filed it under once checked: the account and number (`pn_…`) the envelope names.
    .addColumn('account_id', 'text')
    .addColumn('phone_number_id', 'text')
    // Set when the event was closed without being applied (it did not prove whose it is).
    .addColumn('rejected_reason', 'text')
    .execute();
  // Only events still waiting need the envelope to be applied; applied ones are history.
  await sql`
    update message_events
    set waba_id = payload->>'waba_id', meta_phone_number_id = payload->'metadata'->>'phone_number_id'
    where applied_at is null`.execute(db);
  await db.schema
    .createIndex('message_events_rejected_idx')
    .on('message_events')
    .column('id')
    .where(sql.ref('rejected_reason'), 'is not', null)
    .execute();
  // The retention job deletes by age, oldest first.
  await db.schema.createIndex('message_events_received_idx').on('message_events').column('received_at').execute();
  await db.schema.createIndex('idempotency_keys_created_idx').on('idempotency_keys').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idempotency_keys_created_idx').ifExists().execute();
  await db.schema.dropIndex('message_events_received_idx').ifExists().execute();
  await db.schema.dropIndex('message_events_rejected_idx').ifExists().execute();
  await db.schema
    .alterTable('message_events')
    .dropColumn('rejected_reason')
    .dropColumn('phone_number_id')
    .dropColumn('account_id')
    .dropColumn('meta_phone_number_id')
    .dropColumn('waba_id')
    .execute();
}
