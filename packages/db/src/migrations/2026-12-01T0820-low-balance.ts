import type { Kysely } from 'kysely';

/**
 * wallet.low_balance callbacks: each wallet's threshold (new wallets take the configured
 * DEFAULT_LOW_BALANCE_THRESHOLD_MINOR; existing ones ₹100, the default's default) and when
 * the alert for the current dip was recorded (null: armed). The worker's low-balance check sets
 * it when what the account can spend falls below the threshold and clears it once a top-up
 * lifts it back, so each dip is announced once. Both change rarely, so the hot wallet row
 * takes them at no cost to holds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('wallets')
    .addColumn('low_balance_threshold_minor', 'int8', (c) => c.notNull().defaultTo(10_000))
    .addColumn('low_balance_alerted_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('wallets')
    .dropColumn('low_balance_threshold_minor')
    .dropColumn('low_balance_alerted_at')
    .execute();
}
