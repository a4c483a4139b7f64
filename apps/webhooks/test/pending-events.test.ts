import { describe, expect, it } from 'vitest';
import {
  findMessage,
  findWallet,
  insertEvents,
  insertMessagesWithHold,
  listWebhookEvents,
  type NewMessageEvent,
} from '@dak/db';
import {
  expectWalletInvariant,
  messageToAccept,
  seedWalletAccount,
  useTestDatabase,
  type WalletAccount,
} from '@dak/dev-env';
import { applyPendingEvents } from '../src/apply-events';

// The applier called directly (no HTTP): a status for a message Dak has not recorded yet is kept
// and retried on every pass, applied once the message exists, and closed as `unknown_message`
// when its message is still unknown a day after it arrived.
describe('statuses waiting for their message', () => {
  const database = useTestDatabase();
  const db = () => database.db;
  const HOUR = 3600_000;

  function delivered(owner: WalletAccount, messageId: string, wamid: string, ageMs: number): NewMessageEvent {
    return {
      dedupe_key: `status:${owner.metaPhoneNumberId}:${wamid}:delivered`,
      kind: 'status',
      message_id: messageId,
      wamid,
      status: 'delivered',
      occurred_at: new Date(Date.now() - ageMs),
      received_at: new Date(Date.now() - ageMs),
      // As the receiver stores a status (packages/meta extractWebhookEvents).
      payload: JSON.stringify({
        waba_id: owner.wabaId,
        metadata: { phone_number_id: owner.metaPhoneNumberId },
        status: {
          id: wamid,
          status: 'delivered',
          timestamp: String(Math.floor((Date.now() - ageMs) / 1000)),
          recipient_id: '919820388810',
        },
      }),
      waba_id: owner.wabaId,
      meta_phone_number_id: owner.metaPhoneNumberId,
    };
  }

  async function eventOf(wamid: string) {
    const events = await listWebhookEvents(db(), { limit: 100 });
    return events.find((e) => e.wamid === wamid);
  }

  it('is kept and retried until its message is recorded, then applied; after a day unknown, it is closed', async () => {
    const owner = await seedWalletAccount(db(), 100);
    const late = messageToAccept(owner, 10);
    // Almost a day old, for a message not recorded yet; and one a day old whose message never was.
    await insertEvents(db(), [
      delivered(owner, late.id, 'wamid.late', 24 * HOUR - 60_000),
      delivered(owner, 'msg_00000000000000000000000000', 'wamid.orphan', 24 * HOUR + 60_000),
    ]);

    const first = await applyPendingEvents(db());
    expect(first).toMatchObject({ taken: 1, applied: [] });
    expect(first.rejected.map((r) => [r.event.wamid, r.reason])).toEqual([['wamid.orphan', 'unknown_message']]);
    expect(await eventOf('wamid.orphan')).toMatchObject({
      rejected_reason: 'unknown_message',
      applied_at: expect.any(Date),
    });

    // Every pass looks again; the kept event stays open while its message is unknown.
    expect(await applyPendingEvents(db())).toMatchObject({ taken: 0, applied: [], rejected: [] });
    expect(await eventOf('wamid.late')).toMatchObject({ applied_at: null, rejected_reason: null });

    expect(await insertMessagesWithHold(db(), owner.accountId, [late])).toBe(true);
    const second = await applyPendingEvents(db());
    expect(second).toMatchObject({ taken: 1, rejected: [] });
    expect(second.applied.map((e) => e.wamid)).toEqual(['wamid.late']);
    expect(await eventOf('wamid.late')).toMatchObject({
      message_id: late.id,
      account_id: owner.accountId,
      rejected_reason: null,
      applied_at: expect.any(Date),
    });
    expect(await findMessage(db(), owner.accountId, late.id)).toMatchObject({
      status: 'delivered',
      wamid: 'wamid.late',
      charge_state: 'captured',
    });
    expect(await findWallet(db(), owner.accountId)).toMatchObject({
      available: 90,
      held: 0,
      captured: 10,
      refunded: 0,
      debt: 0,
    });
    await expectWalletInvariant(db(), owner.accountId);
    expect(await applyPendingEvents(db())).toMatchObject({ taken: 0 });
  });
});
