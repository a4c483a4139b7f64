import { describe, expect, it } from 'vitest';
import { activeMarketingHolds, deleteMarketingHoldsBefore, holdMarketing } from '@dak/db';
import { seedWalletAccount, useTestDatabase } from '@dak/dev-env';

const HOUR = 3_600_000;

// 131049 holds a user's marketing for a day: one row per account and recipient, only ever
// extended, read by the recipients a send names, deleted by retention once it has ended.
describe('marketing holds', () => {
  const database = useTestDatabase();
  const db = () => database.db;
  const now = new Date('2026-12-01T10:00:00Z');
  const at = (hours: number) => new Date(now.getTime() + hours * HOUR);

  const rows = async (accountId: string) =>
    db()
      .selectFrom('marketing_holds')
      .select(['recipient', 'until', 'reason'])
      .where('account_id', '=', accountId)
      .orderBy('recipient')
      .execute();

  it('keeps the later until of two holds, whichever comes first, and its reason', async () => {
    const { accountId } = await seedWalletAccount(db(), 0);
    await holdMarketing(db(), { accountId, recipient: '919000000001', until: at(24), reason: 'meta_131049' });
    await holdMarketing(db(), { accountId, recipient: '919000000001', until: at(10), reason: 'earlier' });
    expect(await rows(accountId)).toEqual([{ recipient: '919000000001', until: at(24), reason: 'meta_131049' }]);
    await holdMarketing(db(), { accountId, recipient: '919000000001', until: at(30), reason: 'later' });
    expect(await rows(accountId)).toEqual([{ recipient: '919000000001', until: at(30), reason: 'later' }]);
  });

  it('writes many in one call, the same recipient twice keeping the later', async () => {
    const { accountId } = await seedWalletAccount(db(), 0);
    await holdMarketing(db(), [
      { accountId, recipient: '919000000002', until: at(5), reason: 'a' },
      { accountId, recipient: '919000000001', until: at(24), reason: 'b' },
      { accountId, recipient: '919000000002', until: at(7), reason: 'c' },
    ]);
    await holdMarketing(db(), []);
    expect(await rows(accountId)).toEqual([
      { recipient: '919000000001', until: at(24), reason: 'b' },
      { recipient: '919000000002', until: at(7), reason: 'c' },
    ]);
  });

  it('lists only running holds of that account among the recipients asked for', async () => {
    const mine = await seedWalletAccount(db(), 0);
    const other = await seedWalletAccount(db(), 0);
    await holdMarketing(db(), [
      { accountId: mine.accountId, recipient: '919000000001', until: at(2), reason: 'meta_131049' },
      { accountId: mine.accountId, recipient: '919000000002', until: at(-1), reason: 'meta_131049' },
      { accountId: mine.accountId, recipient: '919000000003', until: at(3), reason: 'meta_131049' },
      { accountId: other.accountId, recipient: '919000000004', until: at(3), reason: 'meta_131049' },
    ]);
    const asked = ['919000000001', '919000000002', '919000000004', '919000000005'];
    expect(await activeMarketingHolds(db(), mine.accountId, asked, now)).toEqual([
      { recipient: '919000000001', until: at(2), reason: 'meta_131049' },
    ]);
    expect(await activeMarketingHolds(db(), mine.accountId, [], now)).toEqual([]);
    // At its `until` a hold has ended.
    expect(await activeMarketingHolds(db(), mine.accountId, ['919000000001'], at(2))).toEqual([]);
  });

  it('deletes holds that ended, in chunks, and no running one', async () => {
    const { accountId } = await seedWalletAccount(db(), 0);
    await db().deleteFrom('marketing_holds').execute();
    await holdMarketing(db(), [
      { accountId, recipient: '919000000001', until: at(-30), reason: 'r' },
      { accountId, recipient: '919000000002', until: at(-2), reason: 'r' },
      { accountId, recipient: '919000000003', until: now, reason: 'r' },
      { accountId, recipient: '919000000004', until: at(1), reason: 'r' },
    ]);
    expect(await deleteMarketingHoldsBefore(db(), now, 2)).toBe(2);
    expect(await deleteMarketingHoldsBefore(db(), now, 2)).toBe(1);
    expect(await deleteMarketingHoldsBefore(db(), now, 2)).toBe(0);
    expect((await rows(accountId)).map((r) => r.recipient)).toEqual(['919000000004']);
  });
});
