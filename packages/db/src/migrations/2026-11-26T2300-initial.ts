import { sql, type Kysely } from 'kysely';

// Migrations never import application code: they describe tables as they were on the day.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('waba_id', 'text', (c) => c.notNull().unique())
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('INR'))
    .addColumn('price_minor', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(10)
        .check(sql`price_minor >= 0`),
    )
    .addColumn('category_prices', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('phone_numbers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('phone_number_id', 'text', (c) => c.notNull().unique())
    .addColumn('display_phone_number', 'text', (c) => c.notNull())
    .addColumn('access_token_encrypted', 'text', (c) => c.notNull())
    .addColumn('mps', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(80)
        .check(sql`mps between 1 and 1000`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('phone_numbers_account_idx').on('phone_numbers').column('account_id').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('phone_number_ids', sql`text[]`)
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('api_keys_account_idx').on('api_keys').column('account_id').execute();

  await db.schema
    .createTable('templates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('parameter_format', 'text', (c) => c.notNull().defaultTo('POSITIONAL'))
    .addColumn('components', 'jsonb', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('synced_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('templates_account_name_language_key', ['account_id', 'name', 'language'])
    .execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('phone_number_id', 'text', (c) => c.notNull().references('phone_numbers.id'))
    .addColumn('template_id', 'text', (c) => c.notNull())
    .addColumn('template_name', 'text', (c) => c.notNull())
    .addColumn('template_language', 'text', (c) => c.notNull())
    .addColumn('template_category', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('variables', 'jsonb', (c) => c.notNull())
    .addColumn('components', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('queued', 'sending', 'sent', 'failed', 'delivered', 'read')`),
    )
    .addColumn('wamid', 'text', (c) => c.unique())
    .addColumn('client_reference', 'text')
    .addColumn('error', 'jsonb')
    .addColumn('price_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('charge_state', 'text', (c) =>
      c.notNull().check(sql`charge_state in ('held', 'captured', 'released', 'refunded')`),
    )
    .addColumn('batch_id', 'text')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('queued_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('read_at', 'timestamptz')
    .addColumn('failed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('messages_account_id_idx').on('messages').columns(['account_id', 'id']).execute();
  // The sweeper's and the expirer's work list stays small: only rows not yet with Meta.
  await db.schema
    .createIndex('messages_pending_idx')
    .on('messages')
    .columns(['status', 'queued_at'])
    .where(sql.ref('status'), 'in', ['queued', 'sending'])
    .execute();
  await db.schema
    .createIndex('messages_client_reference_idx')
    .on('messages')
    .columns(['account_id', 'client_reference'])
    .where(sql.ref('client_reference'), 'is not', null)
    .execute();

  // The forward-only order of statuses, usable in guarded UPDATEs.
  await sql`
    create function dak_status_rank(status text) returns integer
    language sql immutable parallel safe as $$
      select case status
        when 'queued' then 0 when 'sending' then 0 when 'sent' then 1
        when 'failed' then 2 when 'delivered' then 3 when 'read' then 4 end
    $$`.execute(db);

  await db.schema
    .createTable('message_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('wamid', 'text')
    .addColumn('status', 'text')
    .addColumn('occurred_at', 'timestamptz')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('applied_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('message_events_unapplied_idx')
    .on('message_events')
    .column('id')
    .where(sql.ref('applied_at'), 'is', null)
    .execute();
  await db.schema.createIndex('message_events_message_idx').on('message_events').column('message_id').execute();
  await db.schema.createIndex('message_events_wamid_idx').on('message_events').column('wamid').execute();

  await db.schema
    .createTable('wallets')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('available', 'bigint', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`available >= 0`),
    )
    .addColumn('held', 'bigint', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`held >= 0`),
    )
    .addColumn('captured', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('refunded', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('topped_up', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('wallets_balanced', sql`topped_up = available + held + captured - refunded`)
    .execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('message_id', 'text')
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('topup', 'hold', 'capture', 'release', 'refund', 'refund_reversal')`),
    )
    .addColumn('amount_minor', 'bigint', (c) => c.notNull().check(sql`amount_minor > 0`))
    .addColumn('reference', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Each entry is unique per (message, kind): retries and duplicate webhooks never move money twice.
  await db.schema
    .createIndex('ledger_entries_message_kind_key')
    .on('ledger_entries')
    .columns(['message_id', 'kind'])
    .unique()
    .where(sql.ref('message_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('ledger_entries_topup_reference_key')
    .on('ledger_entries')
    .columns(['account_id', 'reference'])
    .unique()
    .where(sql.ref('kind'), '=', 'topup')
    .execute();
  await db.schema
    .createIndex('ledger_entries_account_idx')
    .on('ledger_entries')
    .columns(['account_id', 'id'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['account_id', 'key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'idempotency_keys',
    'ledger_entries',
    'wallets',
    'message_events',
    'messages',
    'templates',
    'api_keys',
    'phone_numbers',
    'accounts',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`drop function if exists dak_status_rank(text)`.execute(db);
}
