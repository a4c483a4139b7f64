import { sql, type Kysely } from 'kysely';

/**
 * Automations: an external system (a store, a CRM, a payment gateway) posts its JSON events to
 * `/hooks/<automation id>/<token>`, and each event becomes a template send or a recorded reason
 * why not.
 *
 * - `automations` keeps the mapping (recipient path, variables, condition, dedupe path), the
 *   sender (`pn_…`) and the template as the caller named it (id, or name and language). The
 *   hook token is stored only as its SHA-256 (like API keys); a verification secret is
 *   encrypted with DAK_ENCRYPTION_KEY, because verifying needs it back.
 * - `automation_events` keeps every accepted hook call, stored before the hook answers: the
 *   parsed JSON (or, for a body that is not JSON, its text, capped), a few safe headers, the
 *   dedupe value and what it became. `pending` rows are evaluated at once; one whose process
 *   died first is found again through `automation_events_pending_idx` and evaluated then.
 * - Deduplication is a unique index over (automation, dedupe value) among events that became a
 *   message. The event is marked `sent` in the same transaction as its message and hold, so of
 *   two concurrent redeliveries one commits and the other's whole transaction (message, hold)
 *   rolls back on the index: an order sends once however often the store repeats it, without a
 *   time limit (an Idempotency-Key would be forgotten after 24 h; Shopify retries for 48 h).
 * - Retention: past EVENT_RETENTION_DAYS the worker deletes events that made no message and
 *   empties the payload and headers of those that did (their dedupe value and message id stay).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('automations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sender_id', 'text', (c) => c.notNull().references('phone_numbers.id'))
    .addColumn('template_id', 'text')
    .addColumn('template_name', 'text')
    .addColumn('template_language', 'text')
    .addColumn('recipient', 'jsonb', (c) => c.notNull())
    .addColumn('variables', 'jsonb', (c) => c.notNull())
    .addColumn('condition', 'jsonb')
    .addColumn('dedupe_path', 'text', (c) => c.notNull())
    .addColumn('verify_kind', 'text', (c) =>
      c.check(sql`verify_kind in ('hmac_sha256_base64', 'hmac_sha256_hex', 'token')`),
    )
    .addColumn('verify_header', 'text')
    .addColumn('verify_secret_encrypted', 'text')
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'automations_template_reference',
      sql`(template_id is not null) <> (template_name is not null and template_language is not null)`,
    )
    .addCheckConstraint(
      'automations_verify_complete',
      sql`(verify_kind is null) = (verify_header is null) and (verify_kind is null) = (verify_secret_encrypted is null)`,
    )
    .execute();
  await db.schema.createIndex('automations_account_idx').on('automations').columns(['account_id', 'id']).execute();

  await db.schema
    .createTable('automation_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('automation_id', 'text', (c) => c.notNull().references('automations.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('content_type', 'text')
    .addColumn('body_text', 'text')
    .addColumn('payload', 'jsonb')
    .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('dedupe_value', 'text')
    .addColumn('outcome', 'text', (c) =>
      c.notNull().check(sql`outcome in ('pending', 'sent', 'skipped', 'failed', 'invalid')`),
    )
    .addColumn('reason', 'text')
    .addColumn('reason_message', 'text')
    .addColumn('message_id', 'text')
    .addColumn('evaluated_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('claimed_at', 'timestamptz')
    .addCheckConstraint('automation_events_sent_has_message', sql`(outcome = 'sent') = (message_id is not null)`)
    .execute();
  // The events list: one automation's, newest first (ids sort by arrival).
  await db.schema
    .createIndex('automation_events_automation_idx')
    .on('automation_events')
    .columns(['automation_id', 'id'])
    .execute();
  // Once per dedupe value: see above.
  await sql`create unique index automation_events_dedupe_idx on automation_events (automation_id, dedupe_value) where outcome = 'sent'`.execute(
    db,
  );
  // Retention (the worker): events past EVENT_RETENTION_DAYS that still hold personal data. A sent
  // event, once its payload is emptied, stays for deduplication and leaves this index.
  await sql`create index automation_events_retention_idx on automation_events (received_at) where outcome <> 'sent' or payload is not null`.execute(
    db,
  );
  // Recovery reads only the few events still pending.
  await sql`create index automation_events_pending_idx on automation_events (received_at) where outcome = 'pending'`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('automation_events').execute();
  await db.schema.dropTable('automations').execute();
}
