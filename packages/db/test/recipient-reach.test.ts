import { describe, expect, it } from 'vitest';
import { acceptWithHold, findWallet, reachToday, rebuildReach, sql, type Database } from '@dak/db';
import { messageToAccept, seedWalletAccount, useTestDatabase, type WalletAccount } from '@dak/dev-env';

// The accept statement's tier check on a real Postgres: what counts, what does not, and that a
// refusal changes nothing.
describe('acceptWithHold and the messaging tier', () => {
  const database = useTestDatabase();
  const to = (owner: WalletAccount, recipient: string) => ({ ...messageToAccept(owner, 1), recipient });
  const setTier = (db: Database, accountId: string, tier: number | null) =>
    sql`update accounts set messaging_tier = ${tier} where id = ${accountId}`.execute(db);

  it('unlimited_only holds for an unlimited account without writing its reach, and refuses a tiered one untouched', async () => {
    const db = database.db;
    const owner = await seedWalletAccount(db, 100);
    expect(await acceptWithHold(db, owner.accountId, [to(owner, '919800000001')], 'unlimited_only')).toEqual({
      held: true,
      tier: null,
    });
    expect(await reachToday(db, owner.accountId, [])).toEqual({ used: 0, fresh: 0 });

    await setTier(db, owner.accountId, 250);
    expect(await acceptWithHold(db, owner.accountId, [to(owner, '919800000002')], 'unlimited_only')).toEqual({
      held: false,
      tier: 250,
    });
    expect(await findWallet(db, owner.accountId)).toMatchObject({ available: 99, held: 1 });
  });

  it('within_tier counts each new recipient once per 24 h, and a refusal holds and writes nothing', async () => {
    const db = database.db;
    const owner = await seedWalletAccount(db, 1_000);
    await setTier(db, owner.accountId, 250);
    const first = Array.from({ length: 249 }, (_, i) => to(owner, `9198${String(i).padStart(8, '0')}`));
    expect((await acceptWithHold(db, owner.accountId, first, 'within_tier')).held).toBe(true);
    expect(await reachToday(db, owner.accountId, ['919800000000', '919899999999'])).toEqual({ used: 249, fresh: 1 });

    const two = [to(owner, '919811111111'), to(owner, '919822222222')];
    expect(await acceptWithHold(db, owner.accountId, two, 'within_tier')).toEqual({ held: false, tier: 250 });
    expect(await findWallet(db, owner.accountId)).toMatchObject({ available: 1_000 - 249, held: 249 });
    expect((await reachToday(db, owner.accountId, [])).used).toBe(249);

    // One new recipient twice, and one reached already: one new user, exactly the last one.
    const fits = [to(owner, '919811111111'), to(owner, '919811111111'), to(owner, first[0]!.recipient)];
    expect((await acceptWithHold(db, owner.accountId, fits, 'within_tier')).held).toBe(true);
    expect((await reachToday(db, owner.accountId, [])).used).toBe(250);

    // A day later the same recipients are new again; the rebuild reads the messages' own times.
    await sql`update messages set queued_at = now() - interval '25 hours' where account_id = ${owner.accountId} and recipient <> '919811111111'`.execute(
      db,
    );
    await rebuildReach(db, owner.accountId);
    expect(await reachToday(db, owner.accountId, ['919811111111', '919800000000'])).toEqual({ used: 1, fresh: 1 });
  });
});
