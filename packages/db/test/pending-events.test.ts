import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  closeEvents,
  insertEvents,
  insertMessagesWithHold,
  lockApplicableEvents,
  recordAccepted,
  sql,
  type Database,
  type NewMessageEvent,
} from '@dak/db';
import { messageToAccept, seedWalletAccount, useTestDatabase } from '@dak/dev-env';

// The applier's queue of stored webhook events: a status whose message is not known yet waits
// (it is retried on every pass) until the message is recorded or a day has gone by; then it is
// taken anyway, marked `expired`, so the applier can close it.
describe('events waiting for their message', () => {
  const database = useTestDatabase();
  const db = () => database.db;

  function statusEvent(over: Partial<NewMessageEvent> = {}): NewMessageEvent {
    const wamid = `wamid.${randomBytes(8).toString('hex')}`;
    return {
      dedupe_key: `status:test:${wamid}:delivered`,
      kind: 'status',
      wamid,
      status: 'delivered',
      payload: JSON.stringify({}),
      ...over,
    };
  }

  /** Stores the events and answers which of them the applier would take now, with `expired`. */
  async function takenOf(trx: Database, events: NewMessageEvent[]) {
    expect(await insertEvents(trx, events)).toBe(events.length);
    const keys = new Set(events.map((e) => e.dedupe_key));
    const taken = await lockApplicableEvents(trx, 10_000);
    return new Map(taken.filter((e) => keys.has(e.dedupe_key)).map((e) => [e.dedupe_key, e.expired]));
  }

  /** Runs `body` in a transaction that is rolled back, so no event outlives its test. */
  async function inRolledBack(body: (trx: Database) => Promise<void>) {
    const rollback = new Error('roll back');
    try {
      await db()
        .transaction()
        .execute(async (trx) => {
          await body(trx);
          throw rollback;
        });
    } catch (error) {
      if (error !== rollback) throw error;
    }
  }

  it('waits while its message is unknown, up to exactly a day; a microsecond past the day it is taken, expired', async () => {
    await inRolledBack(async (trx) => {
      // now() is the transaction's start, the same in every statement that follows; the times
      // go in as text so they keep Postgres's microseconds.
      const { rows } = await sql<{ day: string; past: string }>`
        select (now() - interval '1 day')::text as day, (now() - interval '1 day 1 microsecond')::text as past`.execute(
        trx,
      );
      const fresh = statusEvent({ received_at: new Date() });
      const atTheDay = statusEvent({ received_at: rows[0]!.day });
      const pastTheDay = statusEvent({ received_at: rows[0]!.past });
      const taken = await takenOf(trx, [fresh, atTheDay, pastTheDay]);
      expect(Object.fromEntries(taken)).toEqual({ [pastTheDay.dedupe_key]: true });
    });
  });

  it('is taken as soon as its message is known, by Dak id or by wamid', async () => {
    const owner = await seedWalletAccount(db(), 100);
    const [byId, byWamid] = [messageToAccept(owner), messageToAccept(owner)];
    await insertMessagesWithHold(db(), owner.accountId, [byId, byWamid]);
    const known = `wamid.${randomBytes(8).toString('hex')}`;
    await recordAccepted(db(), byWamid.id, known);
    await inRolledBack(async (trx) => {
      const named = statusEvent({ message_id: byId.id });
      const matched = statusEvent({ wamid: known, dedupe_key: `status:test:${known}:delivered` });
      const unknown = statusEvent({ message_id: 'msg_not_recorded_yet' });
      const taken = await takenOf(trx, [named, matched, unknown]);
      expect(Object.fromEntries(taken)).toEqual({ [named.dedupe_key]: false, [matched.dedupe_key]: false });
    });
  });

  it('other kinds of event never wait', async () => {
    await inRolledBack(async (trx) => {
      const inbound = statusEvent({ kind: 'message', dedupe_key: 'message:test:1', status: null });
      const template = statusEvent({ kind: 'template', dedupe_key: 'template:test:1', status: null, wamid: null });
      const taken = await takenOf(trx, [inbound, template]);
      expect(Object.fromEntries(taken)).toEqual({ [inbound.dedupe_key]: false, [template.dedupe_key]: false });
    });
  });

  it('a closed event is never taken again, and a duplicate delivery is not stored twice', async () => {
    await inRolledBack(async (trx) => {
      const old = statusEvent({ received_at: new Date(Date.now() - 25 * 3600_000) });
      expect(await takenOf(trx, [old])).toEqual(new Map([[old.dedupe_key, true]]));
      const [event] = (await lockApplicableEvents(trx, 10_000)).filter((e) => e.dedupe_key === old.dedupe_key);
      await closeEvents(trx, [
        { id: event!.id, account_id: null, sender_id: null, message_id: null, rejected_reason: 'unknown_message' },
      ]);
      expect((await lockApplicableEvents(trx, 10_000)).some((e) => e.dedupe_key === old.dedupe_key)).toBe(false);
      expect(await insertEvents(trx, [old])).toBe(0);
    });
  });
});
