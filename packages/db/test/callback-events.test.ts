import { beforeAll, describe, expect, it } from 'vitest';
import { encryptSecret, newId } from '@dak/core';
import { recordCallbackEvents, sql, type CallbackEventType, type Database } from '@dak/db';
import { seedWalletAccount, useTestDatabase } from '@dak/dev-env';

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
});
