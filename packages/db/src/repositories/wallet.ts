import { sql, type RawBuilder } from 'kysely';
import { CHARGE_MOVEMENTS, type ChargeMovement } from '@dak/core';
import type { Database } from '../database';
import type { LedgerKind, Wallet } from '../schema/index';

export async function createWallet(db: Database, accountId: string, currency: string): Promise<void> {
  await db
    .insertInto('wallets')
    .values({ account_id: accountId, currency })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * The wallet as the account sees it: captures from holds are counted in wallet_captures (so
 * they never lock the row a hold needs) and folded in here.
 */
export async function findWallet(db: Database, accountId: string): Promise<Wallet | undefined> {
  return db
    .selectFrom('wallets as w')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('wallet_captures as c')
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('c.captured'), sql.lit(0)).as('captured'))
          .whereRef('c.account_id', '=', 'w.account_id')
          .as('c'),
      (join) => join.onTrue(),
    )
    .select([
      'w.account_id',
      'w.currency',
      'w.available',
      'w.debt',
      'w.refunded',
      'w.topped_up',
      'w.updated_at',
      sql<number>`w.held - c.captured::int8`.as('held'),
      sql<number>`w.captured + c.captured::int8`.as('captured'),
    ])
    .where('w.account_id', '=', accountId)
    .executeTakeFirst();
}

export type TopUpResult =
  | { outcome: 'applied' | 'replayed'; amountMinor: number; wallet: Wallet }
  | { outcome: 'conflict'; amountMinor: number };

/** A top-up is idempotent by its reference: the same reference never credits twice. Run inside a transaction. */
export async function topUp(
  db: Database,
  accountId: string,
  amountMinor: number,
  reference: string,
): Promise<TopUpResult> {
  const inserted = await db
    .insertInto('ledger_entries')
    .values({ account_id: accountId, kind: 'topup', amount_minor: amountMinor, reference })
    .onConflict((oc) => oc.columns(['account_id', 'reference']).where('kind', '=', 'topup').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) {
    const existing = await db
      .selectFrom('ledger_entries')
      .select('amount_minor')
      .where('account_id', '=', accountId)
      .where('kind', '=', 'topup')
      .where('reference', '=', reference)
      .executeTakeFirstOrThrow();
    if (existing.amount_minor !== amountMinor) return { outcome: 'conflict', amountMinor: existing.amount_minor };
    return { outcome: 'replayed', amountMinor, wallet: (await findWallet(db, accountId))! };
  }
  // A top-up pays any debt first; the rest becomes available (see netBalanceSet).
  await db
    .updateTable('wallets')
    .set((eb) => ({
      ...netBalanceSet(amountMinor),
      topped_up: eb('topped_up', '+', amountMinor),
      updated_at: new Date(),
    }))
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  const wallet = (await findWallet(db, accountId))!;
  return { outcome: 'applied', amountMinor, wallet };
}

/**
 * The wallet's net balance is `available - debt`, and at most one of the two is non-zero. A
 * change of the net balance by `delta` (any sign) keeps that shape: credit pays debt first,
 * and a charge the balance cannot cover leaves the rest as debt, never a negative balance and
 * never a skipped charge. Both expressions read the row's old values (SET is evaluated at once).
 */
function netBalanceSet(delta: number | RawBuilder<unknown>) {
  return {
    available: sql<number>`greatest(available - debt + ${delta}, 0)`,
    debt: sql<number>`greatest(debt - available - ${delta}, 0)`,
  };
}

/**
 * Which of its account's 16 wallet_captures rows a message's capture is counted in (FNV-1a of
 * the id). Known before the statement runs, so a transaction that captures several messages
 * can take those rows in one order (see the webhook applier) and never deadlock with another.
 */
export function captureShard(messageId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < messageId.length; i++) hash = Math.imul(hash ^ messageId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) & 15;
}

// How each movement (decided by @dak/core's chargeMovements, from one charge state to another)
// touches the books: its ledger entry and the wallet's columns, changed together. The wallet's
// check constraint keeps `topped_up = available - debt + held + captured - refunded`. A
// capture's held → captured is written to wallet_captures instead (see moveMessageCharge).
const BOOKS: Record<
  ChargeMovement,
  { kind: LedgerKind; wallet: Partial<Record<'available' | 'held' | 'captured' | 'refunded', 1 | -1>> }
> = {
  capture: { kind: 'capture', wallet: { held: -1, captured: 1 } },
  capture_released: { kind: 'capture', wallet: { available: -1, captured: 1 } },
  release: { kind: 'release', wallet: { held: -1, available: 1 } },
  refund: { kind: 'refund', wallet: { available: 1, refunded: 1 } },
  refund_reversal: { kind: 'refund_reversal', wallet: { available: -1, refunded: -1 } },
};

/**
 * Executes one movement of a message's money (which to make is chargeMovements' call) in one
 * statement: the message's charge state, the wallet's columns and the ledger entry change
 * together or not at all. Guarded by the message's charge
 * state and by the ledger's unique (message, kind), so a retry or a duplicate webhook never
 * moves money twice. A movement that takes from the available balance always happens (a
 * delivered message is charged): what the balance cannot cover becomes debt, which blocks new
 * sends until a top-up pays it. Returns whether money moved.
 */
export async function moveMessageCharge(db: Database, messageId: string, movement: ChargeMovement): Promise<boolean> {
  const { from, to } = CHARGE_MOVEMENTS[movement];
  const { kind, wallet } = BOOKS[movement];
  const sign = (column: keyof typeof wallet) => wallet[column] ?? 0;
  const balance = netBalanceSet(sql`${sign('available')} * moved.price_minor`);
  // A capture from a hold changes neither the balance nor what sends may use: it is counted in
  // one of the account's wallet_captures rows, so it never waits for (or blocks) a hold.
  const counters =
    movement === 'capture'
      ? sql`
          insert into wallet_captures as c (account_id, shard, captured)
          select account_id, ${captureShard(messageId)}::smallint, price_minor from moved where price_minor > 0
          on conflict (account_id, shard) do update set captured = c.captured + excluded.captured`
      : sql`
          update wallets w set
            available = ${balance.available},
            debt = ${balance.debt},
            held = w.held + ${sign('held')} * moved.price_minor,
            captured = w.captured + ${sign('captured')} * moved.price_minor,
            refunded = w.refunded + ${sign('refunded')} * moved.price_minor,
            updated_at = now()
          from moved where w.account_id = moved.account_id and moved.price_minor > 0`;
  const result = await sql<{ moved: number }>`
    with moved as (
      update messages m set charge_state = ${to}
      where m.id = ${messageId} and m.charge_state = ${from}
      returning m.account_id, m.price_minor
    ), counters as (${counters}
    ), ledger as (
      insert into ledger_entries (account_id, message_id, kind, amount_minor)
      select account_id, ${messageId}, ${kind}, price_minor from moved where price_minor > 0
    )
    select count(*)::int as moved from moved`.execute(db);
  return (result.rows[0]?.moved ?? 0) > 0;
}

export async function listLedger(db: Database, accountId: string, options: { limit: number; before?: number }) {
  let query = db
    .selectFrom('ledger_entries')
    .select(['id', 'message_id', 'kind', 'amount_minor', 'reference', 'created_at'])
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  return query.execute();
}

/** Executes several movements; returns the messages whose money moved. */
export async function moveMessageCharges(
  db: Database,
  moves: { messageId: string; movement: ChargeMovement }[],
): Promise<Set<string>> {
  const moved = new Set<string>();
  for (const { messageId, movement } of moves)
    if (await moveMessageCharge(db, messageId, movement)) moved.add(messageId);
  return moved;
}
