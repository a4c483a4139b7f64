import { sql } from 'kysely';
import type { ChargeState } from '@dak/core';
import type { Database } from '../database';
import type { LedgerKind, Wallet } from '../schema/index';

export async function createWallet(db: Database, accountId: string, currency: string): Promise<void> {
  await db.insertInto('wallets').values({ account_id: accountId, currency }).onConflict((oc) => oc.doNothing()).execute();
}

export async function findWallet(db: Database, accountId: string): Promise<Wallet | undefined> {
  return db.selectFrom('wallets').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

export type TopUpResult = { outcome: 'applied' | 'replayed'; amountMinor: number; wallet: Wallet } | { outcome: 'conflict'; amountMinor: number };

/** A top-up is idempotent by its reference: the same reference never credits twice. Run inside a transaction. */
export async function topUp(db: Database, accountId: string, amountMinor: number, reference: string): Promise<TopUpResult> {
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
  const wallet = await db
    .updateTable('wallets')
    .set((eb) => ({
      available: eb('available', '+', amountMinor),
      topped_up: eb('topped_up', '+', amountMinor),
      updated_at: new Date(),
    }))
    .where('account_id', '=', accountId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { outcome: 'applied', amountMinor, wallet };
}

/**
 * Holds `total` for the given messages, all or nothing: returns false (and changes nothing)
 * when the available balance does not cover it. Run inside the accept transaction.
 */
export async function holdForMessages(
  db: Database,
  accountId: string,
  holds: { messageId: string; amountMinor: number }[],
): Promise<boolean> {
  const total = holds.reduce((sum, h) => sum + h.amountMinor, 0);
  if (total > 0) {
    const updated = await db
      .updateTable('wallets')
      .set((eb) => ({ available: eb('available', '-', total), held: eb('held', '+', total), updated_at: new Date() }))
      .where('account_id', '=', accountId)
      .where('available', '>=', total)
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) return false;
  }
  const entries = holds
    .filter((h) => h.amountMinor > 0)
    .map((h) => ({ account_id: accountId, message_id: h.messageId, kind: 'hold' as const, amount_minor: h.amountMinor }));
  if (entries.length > 0) await db.insertInto('ledger_entries').values(entries).execute();
  return true;
}

type Movement = 'capture' | 'release' | 'refund' | 'refund_reversal';

// Each movement changes one message's charge state and the wallet's columns together. The
// wallet's check constraint keeps `topped_up = available + held + captured - refunded`.
const MOVEMENTS: Record<Movement, { from: ChargeState; to: ChargeState; wallet: Partial<Record<'available' | 'held' | 'captured' | 'refunded', 1 | -1>> }> = {
  capture: { from: 'held', to: 'captured', wallet: { held: -1, captured: 1 } },
  release: { from: 'held', to: 'released', wallet: { held: -1, available: 1 } },
  refund: { from: 'captured', to: 'refunded', wallet: { available: 1, refunded: 1 } },
  refund_reversal: { from: 'refunded', to: 'captured', wallet: { available: -1, refunded: -1 } },
};

/**
 * Moves one message's money (hold → capture, hold → release, capture → refund, refund →
 * reversal). Guarded by the message's charge state and by the ledger's unique (message, kind),
 * so a retry or a duplicate webhook never moves money twice. Returns whether money moved.
 * Run inside a transaction.
 */
export async function moveMessageCharge(db: Database, messageId: string, movement: Movement): Promise<boolean> {
  const { from, to, wallet } = MOVEMENTS[movement];
  const message = await db
    .updateTable('messages')
    .set({ charge_state: to })
    .where('id', '=', messageId)
    .where('charge_state', '=', from)
    .returning(['account_id', 'price_minor'])
    .executeTakeFirst();
  if (!message) return false;
  if (message.price_minor === 0) return true;
  const amount = message.price_minor;
  const changes: Record<string, unknown> = { updated_at: new Date() };
  for (const [column, sign] of Object.entries(wallet)) changes[column] = sql`${sql.ref(column)} + ${sign * amount}`;
  let update = db.updateTable('wallets').set(changes).where('account_id', '=', message.account_id);
  // Only a refund reversal takes from the available balance. It must not push the balance
  // below zero; if it would, the message stays refunded (the customer keeps the credit)
  // rather than breaking the wallet invariant.
  if (wallet.available === -1) update = update.where('available', '>=', amount);
  const moved = await update.executeTakeFirst();
  if (moved.numUpdatedRows === 0n) {
    await db.updateTable('messages').set({ charge_state: from }).where('id', '=', messageId).execute();
    return false;
  }
  await db
    .insertInto('ledger_entries')
    .values({ account_id: message.account_id, message_id: messageId, kind: movement satisfies LedgerKind, amount_minor: amount })
    .execute();
  return true;
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
