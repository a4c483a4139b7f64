import { describe, expect, it } from 'vitest';
import {
  captureShard,
  findMessage,
  findWallet,
  insertMessagesWithHold,
  listLedger,
  moveMessageCharge,
  sql,
  topUp,
} from '@dak/db';
import type { ChargeMovement, ChargeState } from '@dak/core';
import {
  expectWalletInvariant,
  messageToAccept,
  seedWalletAccount,
  useTestDatabase,
  type WalletAccount,
} from '@dak/dev-env';

// Every money movement of one message, step by step, on a real Postgres: the exact balance after
// each, the ledger entry it leaves (once, however often it is repeated), and the wallet's
// invariant checked from the wallet, the ledger and the messages after every step.
describe('money movements', () => {
  const database = useTestDatabase();
  const db = () => database.db;

  type Balance = {
    available: number;
    held: number;
    captured: number;
    refunded: number;
    debt: number;
    topped_up: number;
  };
  async function expectWallet(owner: WalletAccount, balance: Balance) {
    expect(await findWallet(db(), owner.accountId)).toMatchObject(balance);
    await expectWalletInvariant(db(), owner.accountId);
  }

  const chargeOf = async (owner: WalletAccount, id: string) =>
    (await findMessage(db(), owner.accountId, id))?.charge_state;

  /** The message's ledger entries, oldest first, as `kind amount`. */
  async function ledgerOf(owner: WalletAccount, messageId: string) {
    const entries = await listLedger(db(), owner.accountId, { limit: 1_000 });
    return entries
      .filter((e) => e.message_id === messageId)
      .reverse()
      .map((e) => `${e.kind} ${e.amount_minor}`);
  }

  /** Repeats a movement that has happened: it moves nothing and leaves the wallet as it was. */
  async function expectRepeatMovesNothing(owner: WalletAccount, id: string, movement: ChargeMovement) {
    const before = await findWallet(db(), owner.accountId);
    const ledger = await ledgerOf(owner, id);
    expect(await moveMessageCharge(db(), id, movement), `${movement} again`).toBe(false);
    expect(await findWallet(db(), owner.accountId)).toEqual(before);
    expect(await ledgerOf(owner, id)).toEqual(ledger);
  }

  /** Makes the movement and checks where it leaves the message, its ledger and the wallet; repeated, it moves nothing. */
  async function expectMove(
    owner: WalletAccount,
    id: string,
    movement: ChargeMovement,
    after: { charge: ChargeState; ledger: string[]; wallet: Balance },
  ) {
    expect(await moveMessageCharge(db(), id, movement), movement).toBe(true);
    expect(await chargeOf(owner, id)).toBe(after.charge);
    expect(await ledgerOf(owner, id)).toEqual(after.ledger);
    await expectWallet(owner, after.wallet);
    await expectRepeatMovesNothing(owner, id, movement);
  }

  /** The account's wallet_captures rows, where captures from holds are counted. */
  const captureShardsOf = async (owner: WalletAccount) =>
    (
      await sql<{ shard: number; captured: number }>`
      select shard, captured from wallet_captures where account_id = ${owner.accountId} order by shard`.execute(db())
    ).rows;

  it('hold, capture (in its capture shard), refund, and a delivery after failed that takes the refund back', async () => {
    const owner = await seedWalletAccount(db(), 100);
    const m = messageToAccept(owner, 30);
    await expectWallet(owner, { available: 100, held: 0, captured: 0, refunded: 0, debt: 0, topped_up: 100 });

    expect(await insertMessagesWithHold(db(), owner.accountId, [m])).toBe(true);
    expect(await chargeOf(owner, m.id)).toBe('held');
    expect(await ledgerOf(owner, m.id)).toEqual(['hold 30']);
    await expectWallet(owner, { available: 70, held: 30, captured: 0, refunded: 0, debt: 0, topped_up: 100 });

    await expectMove(owner, m.id, 'capture', {
      charge: 'captured',
      ledger: ['hold 30', 'capture 30'],
      wallet: { available: 70, held: 0, captured: 30, refunded: 0, debt: 0, topped_up: 100 },
    });
    // The capture is counted in the message's own shard row, not on the wallet row holds lock.
    expect(await captureShardsOf(owner)).toEqual([{ shard: captureShard(m.id), captured: 30 }]);

    await expectMove(owner, m.id, 'refund', {
      charge: 'refunded',
      ledger: ['hold 30', 'capture 30', 'refund 30'],
      wallet: { available: 100, held: 0, captured: 30, refunded: 30, debt: 0, topped_up: 100 },
    });
    await expectMove(owner, m.id, 'refund_reversal', {
      charge: 'captured',
      ledger: ['hold 30', 'capture 30', 'refund 30', 'refund_reversal 30'],
      wallet: { available: 70, held: 0, captured: 30, refunded: 0, debt: 0, topped_up: 100 },
    });
    await expectRepeatMovesNothing(owner, m.id, 'capture');
  });

  it('a second refund after a reversal is refused by the ledger, and moves nothing', async () => {
    const owner = await seedWalletAccount(db(), 100);
    const m = messageToAccept(owner, 30);
    await insertMessagesWithHold(db(), owner.accountId, [m]);
    for (const movement of ['capture', 'refund', 'refund_reversal'] as const)
      expect(await moveMessageCharge(db(), m.id, movement)).toBe(true);
    // The charge state allows a refund again (it is `captured`); the unique (message, kind)
    // ledger entry does not, and the whole statement (state, wallet, ledger) rolls back.
    await expect(moveMessageCharge(db(), m.id, 'refund')).rejects.toThrow(/ledger_entries_message_kind_key/);
    expect(await chargeOf(owner, m.id)).toBe('captured');
    expect(await ledgerOf(owner, m.id)).toEqual(['hold 30', 'capture 30', 'refund 30', 'refund_reversal 30']);
    await expectWallet(owner, { available: 70, held: 0, captured: 30, refunded: 0, debt: 0, topped_up: 100 });
  });

  it('release gives the hold back; a delivery reported after it charges the message after all', async () => {
    const owner = await seedWalletAccount(db(), 50);
    const m = messageToAccept(owner, 20);
    expect(await insertMessagesWithHold(db(), owner.accountId, [m])).toBe(true);

    await expectMove(owner, m.id, 'release', {
      charge: 'released',
      ledger: ['hold 20', 'release 20'],
      wallet: { available: 50, held: 0, captured: 0, refunded: 0, debt: 0, topped_up: 50 },
    });
    // A released message has no hold to capture or refund.
    await expectRepeatMovesNothing(owner, m.id, 'capture');
    await expectRepeatMovesNothing(owner, m.id, 'refund');

    await expectMove(owner, m.id, 'capture_released', {
      charge: 'captured',
      ledger: ['hold 20', 'release 20', 'capture 20'],
      wallet: { available: 30, held: 0, captured: 20, refunded: 0, debt: 0, topped_up: 50 },
    });
    // It was charged straight from the balance: no shard row was written.
    expect(await captureShardsOf(owner)).toEqual([]);
  });

  it('a reversal the wallet cannot cover becomes debt; holds are refused while it lasts; top-ups pay it first', async () => {
    const owner = await seedWalletAccount(db(), 50);
    const refunded = messageToAccept(owner, 30);
    const pending = messageToAccept(owner, 40);
    await insertMessagesWithHold(db(), owner.accountId, [refunded]);
    await moveMessageCharge(db(), refunded.id, 'capture');
    await moveMessageCharge(db(), refunded.id, 'refund');
    // The refund is spent on another message's hold: 10 stay available.
    expect(await insertMessagesWithHold(db(), owner.accountId, [pending])).toBe(true);
    await expectWallet(owner, { available: 10, held: 40, captured: 30, refunded: 30, debt: 0, topped_up: 50 });

    // Delivered after all: 30 is charged back, 10 from the balance and 20 as debt.
    expect(await moveMessageCharge(db(), refunded.id, 'refund_reversal')).toBe(true);
    await expectWallet(owner, { available: 0, held: 40, captured: 30, refunded: 0, debt: 20, topped_up: 50 });
    await expectRepeatMovesNothing(owner, refunded.id, 'refund_reversal');

    // A capture leaves the debt as it is (it moves held to captured, not the balance).
    expect(await moveMessageCharge(db(), pending.id, 'capture')).toBe(true);
    await expectWallet(owner, { available: 0, held: 0, captured: 70, refunded: 0, debt: 20, topped_up: 50 });

    // While in debt no hold is taken, not even of a free message; nothing is stored.
    const refused = [messageToAccept(owner, 0), messageToAccept(owner, 1)];
    for (const m of refused) {
      expect(await insertMessagesWithHold(db(), owner.accountId, [m])).toBe(false);
      expect(await findMessage(db(), owner.accountId, m.id)).toBeUndefined();
    }

    // A top-up short of the debt pays part of it and leaves nothing available.
    expect(await topUp(db(), owner.accountId, 15, 'pays-part')).toMatchObject({ outcome: 'applied' });
    await expectWallet(owner, { available: 0, held: 0, captured: 70, refunded: 0, debt: 5, topped_up: 65 });
    expect(await insertMessagesWithHold(db(), owner.accountId, [refused[1]!])).toBe(false);

    // The next one pays the rest first; only what is left becomes available, and holds resume.
    expect(await topUp(db(), owner.accountId, 25, 'pays-rest')).toMatchObject({ outcome: 'applied' });
    await expectWallet(owner, { available: 20, held: 0, captured: 70, refunded: 0, debt: 0, topped_up: 90 });
    expect(await insertMessagesWithHold(db(), owner.accountId, [messageToAccept(owner, 20)])).toBe(true);
    await expectWallet(owner, { available: 0, held: 20, captured: 70, refunded: 0, debt: 0, topped_up: 90 });
  });

  it('an accept short of funds stores nothing and holds nothing; exactly the balance is enough', async () => {
    const owner = await seedWalletAccount(db(), 25);
    const batch = [messageToAccept(owner, 10), messageToAccept(owner, 10), messageToAccept(owner, 10)];
    // Two of the three would fit: all or nothing.
    expect(await insertMessagesWithHold(db(), owner.accountId, batch)).toBe(false);
    for (const m of batch) expect(await findMessage(db(), owner.accountId, m.id)).toBeUndefined();
    expect((await listLedger(db(), owner.accountId, { limit: 100 })).map((e) => e.kind)).toEqual(['topup']);
    await expectWallet(owner, { available: 25, held: 0, captured: 0, refunded: 0, debt: 0, topped_up: 25 });

    const exact = [messageToAccept(owner, 10), messageToAccept(owner, 15)];
    expect(await insertMessagesWithHold(db(), owner.accountId, exact)).toBe(true);
    for (const m of exact) expect(await ledgerOf(owner, m.id)).toEqual([`hold ${m.price_minor}`]);
    await expectWallet(owner, { available: 0, held: 25, captured: 0, refunded: 0, debt: 0, topped_up: 25 });
    expect(await insertMessagesWithHold(db(), owner.accountId, [messageToAccept(owner, 1)])).toBe(false);
  });

  it('the same movement sent many times at once moves money exactly once', async () => {
    const owner = await seedWalletAccount(db(), 100);
    const m = messageToAccept(owner, 30);
    await insertMessagesWithHold(db(), owner.accountId, [m]);
    for (const movement of ['capture', 'refund', 'refund_reversal'] as const) {
      const moved = await Promise.all(Array.from({ length: 8 }, () => moveMessageCharge(db(), m.id, movement)));
      expect(moved.filter(Boolean), movement).toHaveLength(1);
    }
    expect(await ledgerOf(owner, m.id)).toEqual(['hold 30', 'capture 30', 'refund 30', 'refund_reversal 30']);
    await expectWallet(owner, { available: 70, held: 0, captured: 30, refunded: 0, debt: 0, topped_up: 100 });
  });

  it('a top-up credits once per reference; the same reference with another amount is a conflict', async () => {
    const owner = await seedWalletAccount(db(), 0);
    expect(await topUp(db(), owner.accountId, 40, 'invoice-1')).toMatchObject({ outcome: 'applied', amountMinor: 40 });
    expect(await topUp(db(), owner.accountId, 40, 'invoice-1')).toMatchObject({ outcome: 'replayed', amountMinor: 40 });
    expect(await topUp(db(), owner.accountId, 50, 'invoice-1')).toEqual({ outcome: 'conflict', amountMinor: 40 });
    await expectWallet(owner, { available: 40, held: 0, captured: 0, refunded: 0, debt: 0, topped_up: 40 });
  });
});
