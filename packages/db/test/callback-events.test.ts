import { beforeAll, describe, expect, it } from 'vitest';
import { encryptSecret, newId } from '@dak/core';
import {
  deleteCallbackEventsBefore,
  recordCallbackEvents,
  replayCallbackDeliveries,
  sql,
  type ReplayPosition,
  type CallbackEventType,
  type Database,
} from '@dak/db';
import { seedFinishedCallbacks, seedWalletAccount, useTestDatabase } from '@dak/dev-env';

// recordCallbackEvents on a real Postgres: only events some enabled endpoint wants are stored,
// one pending delivery per wanting endpoint, and nothing at all when no endpoint wants any.
describe('recordCallbackEvents', () => {
  const database = useTestDatabase();
  let db: Database;
  beforeAll(() => {
    db = database.db;
  });

  async function endpoint(accountId: string, events: CallbackEventType[], enabled = true): Promise<string> {
    const id = newId('cbk');
    await db
      .insertInto('callback_endpoints')
      .values({
        id,
        account_id: accountId,
        url: 'http://127.0.0.1:9/hook',
        events,
        description: null,
        secret_encrypted: encryptSecret('whsec_test', Buffer.alloc(32)),
        previous_secret_encrypted: null,
        previous_secret_until: null,
        enabled,
        disabled_reason: null,
        failing_since: null,
      })
      .execute();
    return id;
  }

  it('fans each wanted event out to its endpoints and stores nothing nobody wants', async () => {
    const a = (await seedWalletAccount(db, 0)).accountId;
    const b = (await seedWalletAccount(db, 0)).accountId;
    const lonely = (await seedWalletAccount(db, 0)).accountId;
    const statusAndInbound = await endpoint(a, ['message.status', 'message.inbound']);
    const statusOnly = await endpoint(a, ['message.status']);
    await endpoint(a, ['message.status'], false);
    const bTemplates = await endpoint(b, ['template.status']);

    expect(await recordCallbackEvents(db, [])).toEqual([]);
    expect(
      await recordCallbackEvents(db, [{ accountId: lonely, type: 'message.status', messageId: 'msg_x', data: {} }]),
    ).toEqual([]);

    const ids = await recordCallbackEvents(db, [
      { accountId: a, type: 'message.status', messageId: 'msg_1', sequence: 1, data: { status: 'sent' } },
      { accountId: a, type: 'message.inbound', data: { text: 'hi' } },
      { accountId: a, type: 'wallet.low_balance', data: {} },
      { accountId: b, type: 'message.status', messageId: 'msg_2', sequence: 1, data: {} },
      { accountId: b, type: 'template.status', data: { status: 'APPROVED' } },
      { accountId: lonely, type: 'message.status', data: {} },
    ]);
    expect(ids).toHaveLength(4);
    const rows = await db
      .selectFrom('callback_deliveries as d')
      .innerJoin('callback_events as e', 'e.id', 'd.event_id')
      .select(['d.id', 'd.endpoint_id', 'd.status', 'd.message_id', 'd.sequence', 'e.type', 'e.data', 'e.account_id'])
      .where('d.id', 'in', ids.map(Number))
      .orderBy('d.id')
      .execute();
    expect(rows.map((r) => [r.endpoint_id, r.type])).toEqual([
      [statusAndInbound, 'message.status'],
      [statusOnly, 'message.status'],
      [statusAndInbound, 'message.inbound'],
      [bTemplates, 'template.status'],
    ]);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    expect(rows[0]).toMatchObject({ message_id: 'msg_1', sequence: 1, data: { status: 'sent' } });
    // One event row per wanted event, whatever the number of endpoints.
    const events = await sql<{ n: number }>`select count(*)::int as n from callback_events`.execute(db);
    expect(events.rows[0]!.n).toBe(3);
  });

  it('retention deletes old events nothing still owes, with their deliveries and attempts, in chunks', async () => {
    const account = (await seedWalletAccount(db, 0)).accountId;
    const endpointId = await endpoint(account, ['template.status']);
    const old = new Date(Date.now() - 40 * 86_400_000);
    const ids = await recordCallbackEvents(
      db,
      ['done', 'parked', 'owed', 'done-too'].map((what) => ({
        accountId: account,
        type: 'template.status' as const,
        data: { what },
      })),
      old,
    );
    const [done, parked, owed, doneToo] = ids.map(Number) as [number, number, number, number];
    await db
      .updateTable('callback_deliveries')
      .set({ status: 'delivered' })
      .where('id', 'in', [done, doneToo])
      .execute();
    await db.updateTable('callback_deliveries').set({ status: 'failed' }).where('id', '=', parked).execute();
    const eventOf = async (id: number) =>
      (await db.selectFrom('callback_deliveries').select('event_id').where('id', '=', id).executeTakeFirstOrThrow())
        .event_id;
    await db
      .insertInto('callback_attempts')
      .values({
        delivery_id: done,
        endpoint_id: endpointId,
        event_id: await eventOf(done),
        attempt: 1,
        http_status: 200,
        latency_ms: 3,
        error: null,
      })
      .execute();
    const recent = await recordCallbackEvents(db, [
      { accountId: account, type: 'template.status', data: { what: 'recent' } },
    ]);
    await db
      .updateTable('callback_deliveries')
      .set({ status: 'delivered' })
      .where('id', '=', Number(recent[0]))
      .execute();

    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    expect(await deleteCallbackEventsBefore(db, cutoff, 2)).toBe(2);
    expect(await deleteCallbackEventsBefore(db, cutoff, 2)).toBe(1);
    expect(await deleteCallbackEventsBefore(db, cutoff, 2)).toBe(0);
    const left = await db
      .selectFrom('callback_deliveries as d')
      .innerJoin('callback_events as e', 'e.id', 'd.event_id')
      .select(['d.id', 'e.data'])
      .where('d.endpoint_id', '=', endpointId)
      .orderBy('d.id')
      .execute();
    expect(left.map((r) => r.data)).toEqual([{ what: 'owed' }, { what: 'recent' }]);
    expect(left[0]!.id).toBe(owed);
    const attempts = await sql<{
      n: number;
    }>`select count(*)::int as n from callback_attempts where endpoint_id = ${endpointId}`.execute(db);
    expect(attempts.rows[0]!.n).toBe(0);
  });
  it('replays a range page by page, past deliveries that share one timestamp', async () => {
    const account = (await seedWalletAccount(db, 0)).accountId;
    const hook = await endpoint(account, ['message.status']);
    // One statement: all five are created at the same instant.
    const { ids, finish } = await seedFinishedCallbacks(db, account, hook, 5);
    const range = { since: new Date(Date.now() - 60_000), until: new Date(Date.now() + 60_000) };

    const taken: string[] = [];
    let after: ReplayPosition | undefined;
    const pages: number[] = [];
    do {
      const page = await replayCallbackDeliveries(db, hook, { ...range, ...(after ? { after } : {}) }, 2);
      taken.push(...page.ids);
      pages.push(page.ids.length);
      // The replayed ones are delivered again before the next call: the cursor, not the status, moves on.
      await finish();
      after = page.next ?? undefined;
      // Retention may delete the delivery a cursor stopped at: the cursor holds its position itself.
      if (pages.length === 1) await db.deleteFrom('callback_deliveries').where('id', '=', Number(after!.id)).execute();
    } while (after);
    expect(pages).toEqual([2, 2, 1]);
    expect(taken.sort()).toEqual([...ids].sort());
    expect(after).toBeUndefined();

    // Exactly a page's worth: no next page.
    expect((await replayCallbackDeliveries(db, hook, range, 5)).next).toBeNull();
  });
});
