import { expect } from 'vitest';
import { findWallet, sql, type Database } from '@dak/db';

/**
 * The money invariant of SPEC.md, checked from three independent records: the wallet (its row
 * with the captures counted beside it), the ledger and the messages' charge states.
 * - wallet: topped_up = available − debt + held + captured − refunded, no balance below zero,
 *   debt only on an empty wallet;
 * - ledger: top-ups add up to topped_up;
 * - messages: held = Σ price of messages still held; captured = Σ price of messages captured or
 *   refunded (a refund keeps the capture and adds a refund); refunded = Σ price of refunded ones.
 *   A waived message (Meta reported it free) counts as a released hold if it was never captured,
 *   and as captured and refunded if it was (its ledger has a `capture`).
 * The three are read in one repeatable-read snapshot, so the check holds while messages are still
 * moving: read one after the other, a capture committing in between shows as a false mismatch.
 */
export async function expectWalletInvariant(db: Database, accountId: string): Promise<void> {
  const { wallet, counts } = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => ({
      wallet: await findWallet(trx, accountId),
      counts: await countsFromRecords(trx, accountId),
    }));
  expect(wallet, `wallet of ${accountId}`).toBeDefined();
  const w = { ...wallet!, ...counts };
  const state = JSON.stringify(w);
  expect(w.topped_up, `topped_up = available − debt + held + captured − refunded: ${state}`).toBe(
    w.available - w.debt + w.held + w.captured - w.refunded,
  );
  expect(w.available, state).toBeGreaterThanOrEqual(0);
  expect(w.held, state).toBeGreaterThanOrEqual(0);
  expect(w.debt === 0 || w.available === 0, `debt only on an empty wallet: ${state}`).toBe(true);
  expect(w.ledger_topups, `top-ups in the ledger: ${state}`).toBe(w.topped_up);
  expect(w.messages_held, `held matches the messages still held: ${state}`).toBe(w.held);
  expect(w.messages_captured, `captured matches the messages captured or refunded: ${state}`).toBe(w.captured);
  expect(w.messages_refunded, `refunded matches the refunded messages: ${state}`).toBe(w.refunded);
}

/** The same sums taken from the ledger and the messages instead of the wallet row. */
async function countsFromRecords(db: Database, accountId: string) {
  const wasCaptured = sql`exists (select 1 from ledger_entries l where l.message_id = m.id and l.kind = 'capture')`;
  const { rows } = await sql<{
    ledger_topups: number;
    messages_held: number;
    messages_captured: number;
    messages_refunded: number;
  }>`
    select
      (select coalesce(sum(amount_minor), 0) from ledger_entries where account_id = ${accountId} and kind = 'topup')::int8 as ledger_topups,
      (select coalesce(sum(price_minor), 0) from messages where account_id = ${accountId} and charge_state = 'held')::int8 as messages_held,
      (select coalesce(sum(price_minor), 0) from messages m where account_id = ${accountId}
        and (charge_state in ('captured', 'refunded') or (charge_state = 'waived' and ${wasCaptured})))::int8 as messages_captured,
      (select coalesce(sum(price_minor), 0) from messages m where account_id = ${accountId}
        and (charge_state = 'refunded' or (charge_state = 'waived' and ${wasCaptured})))::int8 as messages_refunded`.execute(
    db,
  );
  return rows[0]!;
}
