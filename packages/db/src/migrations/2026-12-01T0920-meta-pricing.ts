import { sql, type Kysely } from 'kysely';

/**
 * Meta's per-message pricing (since July 2025): each message keeps the latest `pricing` a
 * status reported for it (`pricing_model`, `category`, `type`, deprecated `billable`, and
 * the `conversation` of a free-entry-point window), shown in message-status. An account that
 * does not charge what Meta reports free (`charge_free_messages` false, the default) has such
 * a message's hold released, or its capture given back, as a `waive` ledger entry whose
 * `reason` names Meta's type; the message's charge state is then `waived`, which nothing later
 * moves again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('meta_pricing', 'jsonb').execute();
  await sql`alter table messages drop constraint messages_charge_state_check,
    add constraint messages_charge_state_check
      check (charge_state in ('held', 'captured', 'released', 'refunded', 'waived'))`.execute(db);
  await sql`alter table ledger_entries drop constraint ledger_entries_kind_check,
    add constraint ledger_entries_kind_check
      check (kind in ('topup', 'hold', 'capture', 'release', 'refund', 'refund_reversal', 'waive')),
    add column reason text`.execute(db);
  await db.schema
    .alterTable('accounts')
    .addColumn('charge_free_messages', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('charge_free_messages').execute();
  await sql`delete from ledger_entries where kind = 'waive'`.execute(db);
  await sql`alter table ledger_entries drop column reason, drop constraint ledger_entries_kind_check,
    add constraint ledger_entries_kind_check
      check (kind in ('topup', 'hold', 'capture', 'release', 'refund', 'refund_reversal'))`.execute(db);
  await sql`update messages set charge_state = 'released' where charge_state = 'waived'`.execute(db);
  await sql`alter table messages drop constraint messages_charge_state_check,
    add constraint messages_charge_state_check
      check (charge_state in ('held', 'captured', 'released', 'refunded'))`.execute(db);
  await db.schema.alterTable('messages').dropColumn('meta_pricing').execute();
}
