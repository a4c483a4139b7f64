import { sql, type RawBuilder } from 'kysely';
import { CHARGE_MOVEMENTS, type ChargeMovement, type ChargeState } from '@dak/core';
import type { Database } from '../database';
import type { LedgerKind, Wallet } from '../schema/index';

export async function createWallet(
  db: Database,
  accountId: string,
  currency: string,
  lowBalanceThresholdMinor?: number,
): Promise<void> {
  await db
    .insertInto('wallets')
    .values({
      account_id: accountId,
      currency,
      ...(lowBalanceThresholdMinor !== undefined ? { low_balance_threshold_minor: lowBalanceThresholdMinor } : {}),
    })
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
      'w.low_balance_threshold_minor',
      'w.low_balance_alerted_at',
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
// capture's held → captured is written to wallet_captures instead (see moveMessageCharges).
type WalletColumn = 'available' | 'held' | 'captured' | 'refunded';
const BOOKS: Record<ChargeMovement, { kind: LedgerKind; wallet: Partial<Record<WalletColumn, 1 | -1>> }> = {
  capture: { kind: 'capture', wallet: { held: -1, captured: 1 } },
  capture_released: { kind: 'capture', wallet: { available: -1, captured: 1 } },
  release: { kind: 'release', wallet: { held: -1, available: 1 } },
  refund: { kind: 'refund', wallet: { available: 1, refunded: 1 } },
  refund_reversal: { kind: 'refund_reversal', wallet: { available: -1, refunded: -1 } },
  // Not charged as Meta reported it free: a hold goes back as a release does, a capture is
  // given back as a refund is (counted in `refunded`); the entry's `reason` says why.
  waive_hold: { kind: 'waive', wallet: { held: -1, available: 1 } },
  waive_capture: { kind: 'waive', wallet: { available: 1, refunded: 1 } },
};

/** One movement of one message's money, as chargeMovements decided it. */
export interface MessageChargeMove {
  messageId: string;
  movement: ChargeMovement;
  /** Why, written on the movement's ledger entry (a waive's Meta pricing type). */
  reason?: string | null;
}

/**
 * Executes one movement of a message's money (which to make is chargeMovements' call); see
 * moveMessageCharges. Returns whether money moved.
 */
export async function moveMessageCharge(db: Database, messageId: string, movement: ChargeMovement): Promise<boolean> {
  return (await moveMessageCharges(db, [{ messageId, movement }])).has(messageId);
}

/**
 * Executes a batch of movements (which to make is chargeMovements' call) with the same books
 * as making them one by one, in a few statements whatever the batch's size:
 * - one statement locks the messages in id order, moves each charge state guarded by the
 *   state its movements start from, writes each movement's ledger entry and adds the captures
 *   from holds to their wallet_captures rows, summed per (account, shard) and taken in that
 *   order;
 * - one statement then changes the wallet rows, summed per account and taken in account order.
 * That is the lock order every applier and worker keeps (messages, capture rows, wallet rows),
 * so two batches never wait on each other in a cycle. Both run in one transaction (the
 * caller's, or their own when there are wallet changes), so the books change together or not.
 *
 * A message's movements are made in the order given, each only if the message is in its `from`
 * state by then; the ledger's unique (message, kind) is the backstop, so a retry or a duplicate
 * webhook never moves money twice. A movement that takes from the available balance always
 * happens (a delivered message is charged): what the balance cannot cover becomes debt, which
 * blocks new sends until a top-up pays it (netBalanceSet: the net balance only adds up, so the
 * sum of an account's changes lands exactly where the changes one by one would). Returns the
 * ids of the messages whose money moved.
 */
export async function moveMessageCharges(db: Database, moves: MessageChargeMove[]): Promise<Set<string>> {
  if (moves.length === 0) return new Set();
  const touchesWallet = moves.some((m) => m.movement !== 'capture');
  if (touchesWallet && !db.isTransaction) return db.transaction().execute((trx) => moveMessageCharges(trx, moves));
  const moved = await moveChargeStates(db, chargePaths(moves));
  await changeWallets(db, moved);
  return new Set(moved.map((m) => m.id));
}

/**
 * What a message's movements do from each state they may find it in: the movements that apply,
 * in order, and the state they leave. The statement picks the path of the state the message is
 * in once locked, so the outcome is the one the movements one by one would have.
 */
interface ChargePath {
  id: string;
  from_state: ChargeState;
  to_state: ChargeState;
  movements: ChargeMovement[];
  kinds: LedgerKind[];
  reasons: (string | null)[];
  shard: number;
}

function chargePaths(moves: MessageChargeMove[]): ChargePath[] {
  const byMessage = new Map<string, MessageChargeMove[]>();
  for (const move of moves) byMessage.set(move.messageId, [...(byMessage.get(move.messageId) ?? []), move]);
  return [...byMessage].flatMap(([id, list]) =>
    [...new Set(list.map((m) => CHARGE_MOVEMENTS[m.movement].from))].flatMap((start) => {
      let state: ChargeState = start;
      const applied: MessageChargeMove[] = [];
      for (const move of list) {
        if (CHARGE_MOVEMENTS[move.movement].from !== state) continue;
        applied.push(move);
        state = CHARGE_MOVEMENTS[move.movement].to;
      }
      return [
        {
          id,
          from_state: start,
          to_state: state,
          movements: applied.map((m) => m.movement),
          kinds: applied.map((m) => BOOKS[m.movement].kind),
          reasons: applied.map((m) => m.reason ?? null),
          shard: captureShard(id),
        },
      ];
    }),
  );
}

interface MovedCharge {
  id: string;
  account_id: string;
  price_minor: number;
  movements: ChargeMovement[];
}

/**
 * The messages in id order (`locked`: a message is updated only once its row is locked, so
 * whatever plan Postgres picks, the locks follow that order), then their states, their ledger
 * entries and the capture rows (inserted in (account, shard) order). A free message changes
 * state but leaves no entry and no count.
 */
async function moveChargeStates(db: Database, paths: ChargePath[]): Promise<MovedCharge[]> {
  const ids = [...new Set(paths.map((p) => p.id))];
  const result = await sql<MovedCharge>`
    with paths as (
      select * from json_to_recordset(${JSON.stringify(paths)}::json)
        as p(id text, from_state text, to_state text, movements text[], kinds text[], reasons text[], shard smallint)
    ), locked as (
      select id, charge_state from messages where id = any(${ids}::text[]) order by id for update
    ), moved as (
      update messages m set charge_state = paths.to_state
      from locked join paths on paths.id = locked.id and paths.from_state = locked.charge_state
      where m.id = locked.id
      returning m.id, m.account_id, m.price_minor, paths.movements, paths.kinds, paths.reasons, paths.shard
    ), step as (
      select moved.*, s.movement, s.kind, s.reason
      from moved, unnest(moved.movements, moved.kinds, moved.reasons) as s(movement, kind, reason)
      where moved.price_minor > 0
    ), ledger as (
      insert into ledger_entries (account_id, message_id, kind, amount_minor, reason)
      select account_id, id, kind, price_minor, reason from step
    ), captures as (
      insert into wallet_captures as c (account_id, shard, captured)
      select account_id, shard, sum(price_minor) from step where movement = 'capture'
      group by account_id, shard order by account_id, shard
      on conflict (account_id, shard) do update set captured = c.captured + excluded.captured
    )
    select id, account_id, price_minor, movements from moved`.execute(db);
  return result.rows;
}

/** Every wallet change but captures from holds, summed per account; the rows locked in account order. */
async function changeWallets(db: Database, moved: MovedCharge[]): Promise<void> {
  const byAccount = new Map<string, Record<WalletColumn, number>>();
  for (const { account_id, price_minor, movements } of moved) {
    for (const movement of movements) {
      if (movement === 'capture' || price_minor === 0) continue;
      const sums = byAccount.get(account_id) ?? { available: 0, held: 0, captured: 0, refunded: 0 };
      for (const [column, sign] of Object.entries(BOOKS[movement].wallet))
        sums[column as WalletColumn] += sign * price_minor;
      byAccount.set(account_id, sums);
    }
  }
  if (byAccount.size === 0) return;
  // `net` (not `available`): netBalanceSet names the wallet's own columns unqualified.
  const changes = [...byAccount].map(([account_id, { available, ...sums }]) => ({
    account_id,
    net: available,
    ...sums,
  }));
  const balance = netBalanceSet(sql`change.net`);
  await sql`
    with change as (
      select * from json_to_recordset(${JSON.stringify(changes)}::json)
        as c(account_id text, net int8, held int8, captured int8, refunded int8)
    ), locked as (
      select account_id from wallets where account_id in (select account_id from change) order by account_id for update
    )
    update wallets w set
      available = ${balance.available},
      debt = ${balance.debt},
      held = w.held + change.held,
      captured = w.captured + change.captured,
      refunded = w.refunded + change.refunded,
      updated_at = now()
    from locked join change on change.account_id = locked.account_id
    where w.account_id = locked.account_id`.execute(db);
}

export async function listLedger(db: Database, accountId: string, options: { limit: number; before?: number }) {
  let query = db
    .selectFrom('ledger_entries')
    .select(['id', 'message_id', 'kind', 'amount_minor', 'reference', 'reason', 'created_at'])
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  return query.execute();
}
