import { describe, expect, it } from 'vitest';
import {
  knownAddresses,
  lastInboundAt,
  listConversations,
  recordContacts,
  recordConversationActivity,
  type Database,
} from '@dak/db';
import { seedWalletAccount, useTestDatabase } from '@dak/dev-env';

// A customer's messages under their user id (before the account knew their number) and under
// their number are one thread: on a real Postgres, the 24-hour window, the list and the sends by
// user id all take the customer's current number.
describe('a customer’s user-id thread and their number', () => {
  const database = useTestDatabase();
  const db = (): Database => database.db;

  const HOUR = 3_600_000;
  const ago = (hours: number) => new Date(Date.now() - hours * HOUR);

  async function wrote(accountId: string, senderId: string, from: string, at: Date) {
    await recordConversationActivity(
      db(),
      [
        {
          accountId,
          senderId,
          contactNumber: from,
          wamid: `wamid.${from}.${at.getTime()}`,
          content: { type: 'text', text: 'hi', media: null, contextWamid: null },
          raw: {},
          receivedAt: at,
        },
      ],
      [],
    );
  }
  const known = (accountId: string, number: string, userId: string, at: Date, inbound: boolean) =>
    recordContacts(db(), [{ accountId, number, userId, at, inbound }]);

  it('the window of a send to the number runs from what they wrote under the user id', async () => {
    const USER = 'IN.7700112233448888';
    const NUMBER = '919820007303';
    const { accountId, senderId } = await seedWalletAccount(db(), 0);
    const earlier = ago(2);
    await wrote(accountId, senderId, USER, earlier);
    expect(await lastInboundAt(db(), accountId, senderId, NUMBER)).toBeNull();

    // Learned on another of the account's numbers: the contact under the number now carries the user id.
    await known(accountId, NUMBER, USER, new Date(), false);
    expect(await lastInboundAt(db(), accountId, senderId, NUMBER)).toEqual(earlier);
    expect(await lastInboundAt(db(), accountId, senderId, USER)).toEqual(earlier);

    // A later message under the number is the later start.
    const later = ago(1);
    await wrote(accountId, senderId, NUMBER, later);
    expect(await lastInboundAt(db(), accountId, senderId, NUMBER)).toEqual(later);
  });

  it('after a change of number, the thread and the sends by user id follow the current number only', async () => {
    const USER = 'IN.7700112233447777';
    const OLD = '919820007401';
    const NEW = '919820007402';
    const { accountId, senderId } = await seedWalletAccount(db(), 0);
    const [oldAt, newAt, hiddenAt] = [ago(5), ago(3), ago(1)];
    await wrote(accountId, senderId, OLD, oldAt);
    await known(accountId, OLD, USER, oldAt, true);
    await wrote(accountId, senderId, NEW, newAt);
    await known(accountId, NEW, USER, newAt, true);
    // Meanwhile they wrote once with their number hidden, filed under the user id.
    await wrote(accountId, senderId, USER, hiddenAt);

    expect(await lastInboundAt(db(), accountId, senderId, NEW)).toEqual(hiddenAt);
    expect(await lastInboundAt(db(), accountId, senderId, OLD)).toEqual(oldAt);
    const resolve = await knownAddresses(db(), [{ accountId, address: USER }]);
    expect(resolve(accountId, USER)).toBe(NEW);

    // The list: the user-id thread is shown within the new number's conversation, not the old one's.
    const listed = await listConversations(db(), accountId, { limit: 10 });
    expect(listed.map((c) => [c.contact_number, c.unread])).toEqual([
      [NEW, 2],
      [OLD, 1],
    ]);
  });
});
