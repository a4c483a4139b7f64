import { afterEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import {
  DEMO,
  messageStatus as status,
  orderUpdateRequest as sendBody,
  sendAccepted as send,
  startStack,
  waitFor,
  type TestStack,
} from '@dak/dev-env';

describe('Meta webhooks reaching Dak', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function setUp(options: Parameters<typeof startStack>[0] = {}) {
    stack = await startStack(options);
    const seeded = await stack.seedDemo({ credit: '10.00' });
    return { s: stack, ...seeded };
  }

  function signedPost(s: TestStack, payload: unknown, secret = s.config.meta.appSecrets[0]!) {
    const body = JSON.stringify(payload);
    return fetch(`${s.webhooks.url}/webhooks/meta`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
      },
      body,
    });
  }

  const envelope = (statuses: unknown[]) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: DEMO.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: DEMO.displayPhoneNumber, phone_number_id: DEMO.metaPhoneNumberId },
              statuses,
            },
          },
        ],
      },
    ],
  });

  it('answers the verification handshake only with the right token', async () => {
    const { s } = await setUp({ worker: false });
    const ok = await fetch(
      `${s.webhooks.url}/webhooks/meta?hub.mode=subscribe&hub.verify_token=${s.config.meta.verifyToken}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(
      `${s.webhooks.url}/webhooks/meta?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1158201444`,
    );
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ success: false, error: { code: 'verification_failed' } });
  });

  it('duplicated and reordered deliveries still end read, charged once', async () => {
    const { s, apiKey, accountId } = await setUp({ metaSim: { webhook: { duplicateRate: 1, reorderRate: 1 } } });
    const ids = [await send(s, apiKey), await send(s, apiKey, sendBody('919820388811'))];
    for (const id of ids) {
      await waitFor(async () => (await status(s, apiKey, id)).status === 'read', { what: `${id} read` });
    }
    await s.sim.control.drain();
    await waitFor(
      async () => {
        const pending = await s.api.ctx.db
          .selectFrom('message_events')
          .select('id')
          .where('applied_at', 'is', null)
          .execute();
        return pending.length === 0;
      },
      { what: 'every event applied' },
    );
    for (const id of ids) {
      const body = await status(s, apiKey, id);
      expect(body).toMatchObject({ status: 'read', charge: { state: 'captured' } });
      expect(body.timestamps.delivered_at).toEqual(expect.any(String));
    }
    const ledger = await s.api.ctx.db
      .selectFrom('ledger_entries')
      .select(['message_id', 'kind'])
      .where('message_id', 'in', ids)
      .orderBy('id')
      .execute();
    expect(ledger).toHaveLength(4);
    expect(new Set(ledger.map((e) => `${e.message_id}:${e.kind}`)).size).toBe(4);
    expect(await s.admin.wallet(accountId)).toMatchObject({
      available: '9.80',
      held: '0.00',
      captured: '0.20',
      refunded: '0.00',
    });
  });

  it('a message Meta reports failed after sent is refunded', async () => {
    const { s, apiKey, accountId } = await setUp();
    s.sim.control.addSpecialRecipient({ numbers: ['919820000026'], behaviour: 'not_on_whatsapp' });
    const id = await send(s, apiKey, sendBody('919820000026'));
    const failed = await waitFor(
      async () => {
        const body = await status(s, apiKey, id);
        return body.status === 'failed' && body.charge.state === 'refunded' ? body : undefined;
      },
      { what: 'failed and refunded' },
    );
    expect(failed.error).toMatchObject({ code: 131026, source: 'meta' });
    expect(failed.timestamps.sent_at).toEqual(expect.any(String));
    expect(await s.admin.wallet(accountId)).toMatchObject({
      available: '10.00',
      held: '0.00',
      captured: '0.10',
      refunded: '0.10',
    });
  });

  it('a delivery reported after failed wins, and takes the refund back', async () => {
    const { s, apiKey, accountId } = await setUp({ worker: false });
    const id = await send(s, apiKey);
    const wamid = 'wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSQUFBQUFBQUFBQUFBQUFBQUFB';
    const base = { id: wamid, recipient_id: DEMO.recipient, biz_opaque_callback_data: id };
    const failed = await signedPost(
      s,
      envelope([
        { ...base, status: 'sent', timestamp: '1764198000' },
        {
          ...base,
          status: 'failed',
          timestamp: '1764198001',
          errors: [{ code: 131000, title: 'Something went wrong', error_data: { details: 'try later' } }],
        },
      ]),
    );
    expect(failed.status).toBe(200);
    await waitFor(async () => (await status(s, apiKey, id)).charge.state === 'refunded', { what: 'refund' });
    expect(await s.admin.wallet(accountId)).toMatchObject({ available: '10.00', refunded: '0.10' });

    await signedPost(s, envelope([{ ...base, status: 'delivered', timestamp: '1764198005' }]));
    const delivered = await waitFor(
      async () => {
        const body = await status(s, apiKey, id);
        return body.status === 'delivered' ? body : undefined;
      },
      { what: 'delivered' },
    );
    expect(delivered).toMatchObject({ wamid, charge: { state: 'captured' } });
    expect(delivered.timestamps).toMatchObject({
      failed_at: '2025-11-26T23:00:01.000Z',
      delivered_at: '2025-11-26T23:00:05.000Z',
    });
    expect(await s.admin.wallet(accountId)).toMatchObject({
      available: '9.90',
      held: '0.00',
      captured: '0.10',
      refunded: '0.00',
    });

    // A late `sent` or `failed` never moves it back.
    await signedPost(s, envelope([{ ...base, status: 'sent', timestamp: '1764198009' }]));
    await s.webhooks.applier.stop();
    s.webhooks.applier.start();
    await waitFor(
      async () =>
        (await s.api.ctx.db.selectFrom('message_events').select('id').where('applied_at', 'is', null).execute())
          .length === 0,
    );
    expect((await status(s, apiKey, id)).status).toBe('delivered');
  });

  it('a status for a message not yet known is kept and applied once its wamid is recorded', async () => {
    const { s, apiKey } = await setUp({ worker: false });
    const id = await send(s, apiKey);
    const wamid = 'wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSQkJCQkJCQkJCQkJCQkJCQkJC';
    // No callback data, only a wamid Dak has not seen yet.
    const response = await signedPost(
      s,
      envelope([{ id: wamid, recipient_id: DEMO.recipient, status: 'delivered', timestamp: '1764198100' }]),
    );
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await status(s, apiKey, id)).status).toBe('queued');
    const [event] = await s.api.ctx.db.selectFrom('message_events').selectAll().where('wamid', '=', wamid).execute();
    expect(event).toMatchObject({ kind: 'status', status: 'delivered', applied_at: null });

    await s.api.ctx.db
      .updateTable('messages')
      .set({ wamid, status: 'sent', sent_at: new Date() })
      .where('id', '=', id)
      .execute();
    s.webhooks.applier.kick();
    await waitFor(async () => (await status(s, apiKey, id)).status === 'delivered', {
      what: 'the kept status to apply',
    });
  });

  it("a status whose message stays unknown for a day is closed, not kept in the applier's way", async () => {
    const { s } = await setUp({ worker: false });
    const insert = (wamid: string, receivedAt: Date) =>
      s.api.ctx.db
        .insertInto('message_events')
        .values({
          dedupe_key: `status:${wamid}:delivered`,
          kind: 'status',
          wamid,
          status: 'delivered',
          payload: JSON.stringify({}),
          received_at: receivedAt,
        })
        .execute();
    await insert('wamid.from-whatsapp-manager', new Date(Date.now() - 25 * 3600_000));
    await insert('wamid.just-now', new Date());
    s.webhooks.applier.kick();
    await waitFor(
      async () => {
        const old = await s.api.ctx.db
          .selectFrom('message_events')
          .select('applied_at')
          .where('wamid', '=', 'wamid.from-whatsapp-manager')
          .executeTakeFirstOrThrow();
        return old.applied_at !== null;
      },
      { what: 'the day-old orphan to be closed' },
    );
    const fresh = await s.api.ctx.db
      .selectFrom('message_events')
      .select('applied_at')
      .where('wamid', '=', 'wamid.just-now')
      .executeTakeFirstOrThrow();
    expect(fresh.applied_at).toBeNull();
  });

  it("a POST of 10,000 statuses is stored whole, in chunks under Postgres's parameter limit (no 500)", async () => {
    const { s } = await setUp({ worker: false });
    const statuses = Array.from({ length: 10_000 }, (_, i) => ({
      id: `wamid.bulk-${String(i).padStart(5, '0')}`,
      status: 'delivered',
      timestamp: '1764198000',
      recipient_id: DEMO.recipient,
    }));
    const response = await signedPost(s, envelope(statuses));
    expect(response.status).toBe(200);
    const stored = await s.api.ctx.db
      .selectFrom('message_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('wamid', 'like', 'wamid.bulk-%')
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(10_000);
  });

  it('rejects a body that is not JSON (signed) with 400 and stores nothing', async () => {
    const { s } = await setUp({ worker: false });
    const body = '{"object": ';
    const response = await fetch(`${s.webhooks.url}/webhooks/meta`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', s.config.meta.appSecrets[0]!).update(body).digest('hex')}`,
      },
      body,
    });
    expect(response.status).toBe(400);
    expect(await s.api.ctx.db.selectFrom('message_events').select('id').execute()).toEqual([]);
  });
});
