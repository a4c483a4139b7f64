import { sql, type Kysely } from 'kysely';

// Request rate limits of the public API: every key has one (100 requests/s unless the operator
// sets another), an account has one only when the operator sets it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('requests_per_second', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(100)
        .check(sql`requests_per_second between 1 and 10000`),
    )
    .execute();
  await db.schema
    .alterTable('accounts')
    .addColumn('requests_per_second', 'integer', (c) => c.check(sql`requests_per_second between 1 and 100000`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('requests_per_second').execute();
  await db.schema.alterTable('api_keys').dropColumn('requests_per_second').execute();
}
