import { sql, type Kysely } from 'kysely';

/**
 * Late truth can cost more than the wallet holds: a delivery reported after its refund takes the
 * refund back (or charges a hold Dak had released) even when the available balance is short.
 * The shortfall is kept as debt instead of being skipped, and the balance equation counts it
 * as negative available. Debt only exists on an empty wallet: whatever comes in pays it first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('wallets')
    .addColumn('debt', 'bigint', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`debt >= 0`),
    )
    .execute();
  await sql`alter table wallets drop constraint wallets_balanced`.execute(db);
  await db.schema
    .alterTable('wallets')
    .addCheckConstraint('wallets_balanced', sql`topped_up = available - debt + held + captured - refunded`)
    .execute();
  await db.schema
    .alterTable('wallets')
    .addCheckConstraint('wallets_debt_only_when_empty', sql`debt = 0 or available = 0`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table wallets drop constraint wallets_debt_only_when_empty`.execute(db);
  await sql`alter table wallets drop constraint wallets_balanced`.execute(db);
  await db.schema.alterTable('wallets').dropColumn('debt').execute();
  await db.schema
    .alterTable('wallets')
    .addCheckConstraint('wallets_balanced', sql`topped_up = available + held + captured - refunded`)
    .execute();
}
