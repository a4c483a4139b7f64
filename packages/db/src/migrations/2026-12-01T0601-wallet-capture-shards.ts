import { sql, type Kysely } from 'kysely';

/**
 * Captures leave the wallet row alone. Every accepted message is captured once Meta takes it,
 * and with the capture writing the wallet row, each hold (the API) waited behind each capture
 * (the workers and the applier) on that one row. A capture from a hold only moves money from
 * `held` to `captured`, which changes neither the balance nor what new sends may use, so it is
 * counted here instead, in one of 16 rows per account picked by the message id: captures
 * spread over them and never wait for a hold.
 *
 * The wallet row's `held` and `captured` are then "before these captures": the effective held
 * is `wallets.held − Σ captured here` and the effective captured `wallets.captured + Σ here`.
 * The two terms cancel in `topped_up = available − debt + held + captured − refunded`, so the
 * wallet row's own check constraint still proves the balance on every write.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('wallet_captures')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('shard', 'smallint', (c) => c.notNull().check(sql`shard between 0 and 15`))
    .addColumn('captured', 'bigint', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`captured >= 0`),
    )
    .addPrimaryKeyConstraint('wallet_captures_pkey', ['account_id', 'shard'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Fold the captures back into the wallet rows before the table goes.
  await sql`
    update wallets w set held = w.held - c.captured, captured = w.captured + c.captured
    from (select account_id, sum(captured) as captured from wallet_captures group by account_id) c
    where c.account_id = w.account_id`.execute(db);
  await db.schema.dropTable('wallet_captures').execute();
}
