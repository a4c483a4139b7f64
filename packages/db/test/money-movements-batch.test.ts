import { describe, expect, it } from 'vitest';
import {
  findMessage,
  findWallet,
  insertMessagesWithHold,
  listLedger,
  moveMessageCharge,
  moveMessageCharges,
  type MessageChargeMove,
} from '@dak/db';
import type { ChargeMovement } from '@dak/core';
import {
  expectWalletInvariant,
  messageToAccept,
  seedWalletAccount,
  useTestDatabase,
  type WalletAccount,
} from '@dak/dev-env';

// A batch of movements made at once (moveMessageCharges, as the webhook applier does) against the
// same movements made one by one, on twin accounts: the books must come out the same.
describe('money movements in a batch', () => {
  const database = useTestDatabase();
  const db = () => database.db;

  // Each message: its price, the movements that bring it to its state before the batch, and the
  // batch's movements for it (in order). The last two name movements that do not (all) apply.
  const PLAN: { price: number; before: ChargeMovement[]; moves: ChargeMovement[] }[] = [
    { price: 30, before: [], moves: ['capture'] },
    { price: 20, before: [], moves: ['capture', 'refund'] },
    { price: 15, before: [], moves: ['release'] },
    { price: 25, before: ['capture'], moves: ['refund'] },
    { price: 40, before: ['capture', 'refund'], moves: ['refund_reversal'] },
    { price: 35, before: ['release'], moves: ['capture_released'] },
    { price: 0, before: [], moves: ['capture'] },
    { price: 10, before: ['capture'], moves: ['capture', 'refund'] },
    { price: 12, before: ['release'], moves: ['refund'] },
  ];
  const TOTAL = PLAN.reduce((sum, p) => sum + p.price, 0);

  interface Side {
    owner: WalletAccount;
    ids: string[];
  }

  /**
   * An account whose messages stand where PLAN says. `spare` is what stays available: the rest
   * is held by one more message, so the batch's charges may run into debt.
   */
  async function side(spare: number): Promise<Side> {
    const credit = TOTAL + 100 + spare;
    const owner = await seedWalletAccount(db(), credit);
    const messages = PLAN.map((p) => messageToAccept(owner, p.price));
    expect(await insertMessagesWithHold(db(), owner.accountId, messages)).toBe(true);
    for (const [i, p] of PLAN.entries())
      for (const movement of p.before) expect(await moveMessageCharge(db(), messages[i]!.id, movement)).toBe(true);
    const available = (await findWallet(db(), owner.accountId))!.available;
    expect(await insertMessagesWithHold(db(), owner.accountId, [messageToAccept(owner, available - spare)])).toBe(true);
    return { owner, ids: messages.map((m) => m.id) };
  }

  const movesOf = (s: Side): MessageChargeMove[] =>
    PLAN.flatMap((p, i) => p.moves.map((movement) => ({ messageId: s.ids[i]!, movement })));

  /** The account's books, comparable between twins: the wallet, and each PLAN message's state and ledger. */
  async function books(s: Side) {
    await expectWalletInvariant(db(), s.owner.accountId);
    const { account_id: _, updated_at: __, ...wallet } = (await findWallet(db(), s.owner.accountId))!;
    const ledger = await listLedger(db(), s.owner.accountId, { limit: 1_000 });
    const messages = await Promise.all(
      s.ids.map(async (id) => ({
        charge: (await findMessage(db(), s.owner.accountId, id))!.charge_state,
        ledger: ledger
          .filter((e) => e.message_id === id)
          .reverse()
          .map((e) => `${e.kind} ${e.amount_minor}`),
      })),
    );
    return { wallet, messages };
  }

  /** The side's moves, its messages in reverse order (each message's own moves still in order). */
  const inReverse = (s: Side) => [...s.ids].reverse().flatMap((id) => movesOf(s).filter((m) => m.messageId === id));

  /** PLAN indexes of the ids, per side. */
  const indexes = (sides: Side[], ids: Set<string>) =>
    sides.map((s) => s.ids.flatMap((id, i) => (ids.has(id) ? [i] : [])));

  it('a batch of every movement across two accounts leaves the books one by one would, debt included', async () => {
    // Twins: A has room to spare; B has 2 available, so its charges run into debt on the way.
    const [oneByOne, batched] = [
      [await side(500), await side(2)],
      [await side(500), await side(2)],
    ];

    const movedOneByOne = new Set<string>();
    for (const s of oneByOne)
      for (const { messageId, movement } of movesOf(s))
        if (await moveMessageCharge(db(), messageId, movement)) movedOneByOne.add(messageId);
    // The batch's movements: the messages in reverse order, the two accounts interleaved.
    const [a, b] = batched.map(inReverse);
    const batch = a!.flatMap((move, i) => [move, b![i]!]);
    const movedBatched = await moveMessageCharges(db(), batch);

    expect(indexes(batched, movedBatched)).toEqual(indexes(oneByOne, movedOneByOne));
    expect(indexes(batched, movedBatched)).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [0, 1, 2, 3, 4, 5, 6, 7],
    ]);
    for (const [i, s] of batched.entries()) expect(await books(s)).toEqual(await books(oneByOne[i]!));
    // B went into debt: what its reversal and late capture took beyond the 2 and its credits.
    expect((await books(batched[1]!)).wallet).toMatchObject({ available: 0, debt: 3 });

    // The same batch again moves nothing.
    const before = await Promise.all(batched.map(books));
    expect(await moveMessageCharges(db(), batch)).toEqual(new Set());
    expect(await Promise.all(batched.map(books))).toEqual(before);
  });

  it('a reversal the wallet cannot cover becomes debt; a capture in the same batch leaves it as it is', async () => {
    const owner = await seedWalletAccount(db(), 50);
    const [first, second, pending] = [
      messageToAccept(owner, 30),
      messageToAccept(owner, 20),
      messageToAccept(owner, 45),
    ];
    await insertMessagesWithHold(db(), owner.accountId, [first, second]);
    for (const m of [first, second])
      for (const movement of ['capture', 'refund'] as const) await moveMessageCharge(db(), m.id, movement);
    expect(await insertMessagesWithHold(db(), owner.accountId, [pending])).toBe(true);
    expect(await findWallet(db(), owner.accountId)).toMatchObject({
      available: 5,
      held: 45,
      captured: 50,
      refunded: 50,
    });

    const moved = await moveMessageCharges(db(), [
      { messageId: first.id, movement: 'refund_reversal' },
      { messageId: pending.id, movement: 'capture' },
      { messageId: second.id, movement: 'refund_reversal' },
    ]);
    expect(moved).toEqual(new Set([first.id, pending.id, second.id]));
    // 50 charged back: 5 from the balance, 45 as debt.
    expect(await findWallet(db(), owner.accountId)).toMatchObject({
      available: 0,
      held: 0,
      captured: 95,
      refunded: 0,
      debt: 45,
      topped_up: 50,
    });
    await expectWalletInvariant(db(), owner.accountId);
  });

  it('overlapping batches in opposite orders at once neither deadlock nor move money twice', async () => {
    const sides = [await side(500), await side(500)];
    const moves = sides.flatMap(movesOf);
    const reversed = [...sides].reverse().flatMap(inReverse);
    const results = await Promise.all(
      [moves, reversed, moves, reversed].map((batch) => moveMessageCharges(db(), batch)),
    );
    const movedTimes = new Map<string, number>();
    for (const ids of results) for (const id of ids) movedTimes.set(id, (movedTimes.get(id) ?? 0) + 1);
    // Each message moves in one batch only.
    expect(indexes(sides, new Set(movedTimes.keys()))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [0, 1, 2, 3, 4, 5, 6, 7],
    ]);
    expect([...movedTimes.values()].every((n) => n === 1)).toBe(true);
    const twins = [await side(500), await side(500)];
    for (const s of twins)
      for (const { messageId, movement } of movesOf(s)) await moveMessageCharge(db(), messageId, movement);
    for (const [i, s] of sides.entries()) expect(await books(s)).toEqual(await books(twins[i]!));
  });
});
