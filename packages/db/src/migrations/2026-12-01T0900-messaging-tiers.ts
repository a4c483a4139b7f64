import type { Kysely } from 'kysely';

/**
 * Messaging limits (Meta's tiers: 250, 2,000, 10,000 or 100,000 unique users per rolling 24 h
 * per business portfolio, or unlimited). `accounts.messaging_tier` is the portfolio's tier;
 * null is unlimited, which every existing account keeps, so nothing changes until an operator
 * sets one.
 *
 * `recipient_reach` has one row per (account, recipient) with when the account last accepted a
 * message to them; the accept statement keeps it for tiered accounts. The unique users of the
 * last 24 h are an index range of (account_id, last_sent_at), and whether a batch's recipients
 * are new is a primary-key probe each, so the check costs what the batch and the day's reach
 * cost, not what the messages table holds. It starts empty: every account is unlimited, and
 * setting a tier rebuilds the account's rows from its last 24 h of messages.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('messaging_tier', 'integer').execute();
  await db.schema
    .createTable('recipient_reach')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('last_sent_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('recipient_reach_pkey', ['account_id', 'recipient'])
    .execute();
  await db.schema
    .createIndex('recipient_reach_recent_idx')
    .on('recipient_reach')
    .columns(['account_id', 'last_sent_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('recipient_reach').execute();
  await db.schema.alterTable('accounts').dropColumn('messaging_tier').execute();
}
