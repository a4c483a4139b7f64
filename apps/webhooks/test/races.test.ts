import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { claimMessage, moveMessageCharge, recordAccepted, recordFailedBeforeMeta, requeueStaleClaims } from '@dak/db';
import { DEMO, messageStatus, sendAccepted, startStack, waitFor, type TestStack } from '@dak/dev-env';

// Orders of events that a worker, the sweeper and the webhook applier can meet in.
describe('races between the worker, the sweeper and webhooks', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '10.00' }));
  });
  afterAll(() => stack?.close());

  const db = () => stack.api.ctx.db;
  const post = (statuses: unknown[]) => {
    const body = JSON.stringify({
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
    return fetch(`${stack.webhooks.url}/webhooks/meta`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': `sha256=${createHmac('sha256', stack.config.meta.appSecrets[0]!).update(body).digest('hex')}`,
      },
      body,
    });
  };

  it('a claim whose status webhook arrived but is not applied yet is not sent again', async () => {
    const id = await sendAccepted(stack, apiKey);
    await claimMessage(db(), id, new Date(Date.now() - 10 * 60_000));
    await stack.webhooks.applier.stop();
    try {
      expect(
        (
          await post([
            {
              id: 'wamid.race-1',
              status: 'sent',
              timestamp: '1764198000',
              recipient_id: DEMO.recipient,
              biz_opaque_callback_data: id,
            },
          ])
        ).status,
      ).toBe(200);
      expect(await requeueStaleClaims(db(), 60_000)).toEqual([]);
    } finally {
      stack.webhooks.applier.start();
    }
    await waitFor(async () => (await messageStatus(stack, apiKey, id)).status === 'sent', {
      what: 'the webhook to apply',
    });
  });

  it("Meta's failure reported before the worker records the 200 keeps its error", async () => {
    const id = await sendAccepted(stack, apiKey);
    await claimMessage(db(), id);
    await post([
      {
        id: 'wamid.race-2',
        status: 'failed',
        timestamp: '1764198001',
        recipient_id: DEMO.recipient,
        biz_opaque_callback_data: id,
        errors: [{ code: 131026, title: 'Message undeliverable' }],
      },
    ]);
    await waitFor(async () => (await messageStatus(stack, apiKey, id)).status === 'failed', { what: 'failed' });
    await recordAccepted(db(), id, 'wamid.race-2');
    const body = await messageStatus(stack, apiKey, id);
    expect(body).toMatchObject({ status: 'failed', error: { code: 131026 }, charge: { state: 'refunded' } });
  });

  it('a delivery reported after Dak released the hold charges the message after all', async () => {
    const before = await stack.admin.wallet(accountId);
    const id = await sendAccepted(stack, apiKey);
    await claimMessage(db(), id);
    // The answer was lost, the lease ran out, and the message expired: Dak released its hold.
    await db()
      .transaction()
      .execute(async (trx) => {
        await recordFailedBeforeMeta(
          trx,
          id,
          { code: 'expired', title: 'Not sent before expires_in ran out', source: 'dak' },
          ['sending'],
        );
        await moveMessageCharge(trx, id, 'release');
      });
    expect(await stack.admin.wallet(accountId)).toMatchObject({ available: before.available, held: before.held });
    // Yet Meta had taken the first send.
    await post([
      {
        id: 'wamid.race-3',
        status: 'delivered',
        timestamp: '1764198002',
        recipient_id: DEMO.recipient,
        biz_opaque_callback_data: id,
      },
    ]);
    const delivered = await waitFor(
      async () => {
        const body = await messageStatus(stack, apiKey, id);
        return body.status === 'delivered' ? body : undefined;
      },
      { what: 'delivered' },
    );
    expect(delivered.charge.state).toBe('captured');
    const after = await stack.admin.wallet(accountId);
    expect(Number(after.available)).toBeCloseTo(Number(before.available) - 0.1, 5);
    expect(Number(after.captured)).toBeCloseTo(Number(before.captured) + 0.1, 5);
    const kinds = await db()
      .selectFrom('ledger_entries')
      .select('kind')
      .where('message_id', '=', id)
      .orderBy('id')
      .execute();
    expect(kinds.map((k) => k.kind)).toEqual(['hold', 'release', 'capture']);
  });
});
