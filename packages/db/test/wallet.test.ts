import { beforeAll, describe, expect, it } from 'vitest';
import { findWallet, insertMessagesWithHold, moveMessageCharge, sql, topUp, type Database } from '@dak/db';
import { expectWalletInvariant, messageToAccept, seedWalletAccount, useTestDatabase } from '@dak/dev-env';

// The wallet's money movements on a real Postgres, one statement each: late charges that the
// balance cannot cover become debt, credit pays debt first, and the invariant holds throughout.
describe('wallet movements', () => {
  const database = useTestDatabase();
  let db: Database;
  beforeAll(() => {
    db = database.db;
  });

  it('a refund taken back beyond the balance leaves exactly the shortfall as debt, and a top-up pays it first', async () => {
    const owner = await seedWalletAccount(db, 15);
    const id = owner.accountId;
    const [a, b] = [messageToAccept(owner), messageToAccept(owner, 5)];
    expect(await insertMessagesWithHold(db, id, [a, b])).toBe(true);
    expect(await moveMessageCharge(db, a.id, 'capture')).toBe(true);
    expect(await moveMessageCharge(db, a.id, 'refund')).toBe(true);
    expect(await findWallet(db, id)).toMatchObject({ available: 10, held: 5, debt: 0 });
    // The refund is spent: 7 of it goes to another hold, 3 stay available.
    expect(await insertMessagesWithHold(db, id, [messageToAccept(owner, 7)])).toBe(true);
    expect(await moveMessageCharge(db, a.id, 'refund_reversal')).toBe(true);
    expect(await findWallet(db, id)).toMatchObject({ available: 0, debt: 7, held: 12, captured: 10, refunded: 0 });
    await expectWalletInvariant(db, id);
    // The same movement again moves nothing (unique per message and kind, guarded by charge state).
    expect(await moveMessageCharge(db, a.id, 'refund_reversal')).toBe(false);
    expect(await findWallet(db, id)).toMatchObject({ available: 0, debt: 7 });

    // A release is credit too: it pays the debt before anything becomes available.
    expect(await moveMessageCharge(db, b.id, 'release')).toBe(true);
    expect(await findWallet(db, id)).toMatchObject({ available: 0, debt: 2, held: 7 });
    expect(await insertMessagesWithHold(db, id, [messageToAccept(owner, 0)])).toBe(false);
    await topUp(db, id, 5, `topup-${id}`);
    expect(await findWallet(db, id)).toMatchObject({ available: 3, debt: 0, topped_up: 20 });
    await expectWalletInvariant(db, id);
  });

  it('a released hold charged after all (delivery reported late) goes into debt when the balance is empty', async () => {
    const owner = await seedWalletAccount(db, 10);
    const id = owner.accountId;
    const m = messageToAccept(owner);
    await insertMessagesWithHold(db, id, [m]);
    await moveMessageCharge(db, m.id, 'release');
    await insertMessagesWithHold(db, id, [messageToAccept(owner)]);
    expect(await moveMessageCharge(db, m.id, 'capture_released')).toBe(true);
    expect(await findWallet(db, id)).toMatchObject({ available: 0, debt: 10, held: 10, captured: 10 });
    await expectWalletInvariant(db, id);
  });

  it('concurrent late charges and refunds on one wallet never lose or double a paisa', async () => {
    const owner = await seedWalletAccount(db, 100);
    const id = owner.accountId;
    const messages = Array.from({ length: 10 }, () => messageToAccept(owner));
    await insertMessagesWithHold(db, id, messages);
    await Promise.all(messages.map((m) => moveMessageCharge(db, m.id, 'capture')));
    await Promise.all(messages.map((m) => moveMessageCharge(db, m.id, 'refund')));
    // Spend everything, then take all ten refunds back at once: 100 of debt, exactly.
    await insertMessagesWithHold(db, id, [messageToAccept(owner, 100)]);
    await Promise.all(messages.map((m) => moveMessageCharge(db, m.id, 'refund_reversal')));
    expect(await findWallet(db, id)).toMatchObject({ available: 0, debt: 100, held: 100, captured: 100, refunded: 0 });
    await expectWalletInvariant(db, id);
  });

  it('a capture never waits for a hold, nor a hold for a capture: they take different rows', async () => {
    const owner = await seedWalletAccount(db, 1_000);
    const id = owner.accountId;
    const captured = messageToAccept(owner);
    await insertMessagesWithHold(db, id, [captured]);
    // A capture left uncommitted (the applier's batch transaction, say) holds its row locks...
    let release!: () => void;
    const holdOpen = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const captureLocked = new Promise<void>((resolve) => (locked = resolve));
    const capture = db.transaction().execute(async (trx) => {
      expect(await moveMessageCharge(trx, captured.id, 'capture')).toBe(true);
      locked();
      await holdOpen;
    });
    await Promise.race([captureLocked, capture]); // the capture holds its locks (or failed: it says why)
    // ...while a new hold goes through: waiting for the capture's commit would wait until the test
    // gives up (nothing commits the capture before), so the bound only has to exceed a loaded
    // machine's slowest insert.
    const tooSlow = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the hold waited for the capture')), 10_000).unref(),
    );
    try {
      expect(await Promise.race([insertMessagesWithHold(db, id, [messageToAccept(owner)]), tooSlow])).toBe(true);
    } finally {
      release();
      await capture;
    }
    expect(await findWallet(db, id)).toMatchObject({ available: 980, held: 10, captured: 10 });
    await expectWalletInvariant(db, id);
  });

  it('holds, captures, releases and refunds racing on one account keep the invariant', async () => {
    const owner = await seedWalletAccount(db, 10_000);
    const id = owner.accountId;
    const batches = Array.from({ length: 20 }, () => Array.from({ length: 10 }, () => messageToAccept(owner)));
    await Promise.all(
      batches.map(async (batch, i) => {
        expect(await insertMessagesWithHold(db, id, batch)).toBe(true);
        for (const [j, m] of batch.entries()) {
          if ((i + j) % 5 === 0) await moveMessageCharge(db, m.id, 'release');
          else {
            await moveMessageCharge(db, m.id, 'capture');
            if ((i + j) % 3 === 0) await moveMessageCharge(db, m.id, 'refund');
          }
        }
      }),
    );
    await expectWalletInvariant(db, id);
    const wallet = (await findWallet(db, id))!;
    expect(wallet.held).toBe(0);
    expect(wallet.available + wallet.captured - wallet.refunded).toBe(10_000);
  });

  it('an int8 beyond 2^53 is refused when read instead of being rounded', async () => {
    await expect(sql`select 9007199254740993::int8 as v`.execute(db)).rejects.toThrow(/beyond 2\^53/);
  });
});
