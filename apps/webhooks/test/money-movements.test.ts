import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movementsFor } from '@dak/webhooks';
import {
  expectWalletInvariant,
  messageStatus,
  postSignedWebhook,
  sendAccepted,
  startStack,
  statusEnvelope,
  waitFor,
  type TestStack,
} from '@dak/dev-env';

// What a message's money does once its status has settled in a batch, row by row.
describe('movementsFor', () => {
  const at = new Date();
  it.each([
    ['held', 'sent', null, ['capture']],
    ['held', 'delivered', at, ['capture']],
    ['held', 'failed', null, ['capture', 'refund']],
    ['captured', 'failed', null, ['refund']],
    ['captured', 'failed', at, []], // failed after a delivery stays charged
    ['captured', 'read', at, []],
    ['refunded', 'delivered', at, ['refund_reversal']],
    ['refunded', 'failed', null, []],
    ['released', 'read', at, ['capture_released']],
    ['released', 'failed', null, []],
  ] as const)('%s, ends %s → %j', (charge_state, status, delivered_at, expected) => {
    expect(movementsFor({ charge_state, status, delivered_at, read_at: null })).toEqual(expected);
  });
});

describe('statuses of one message arriving together or out of order', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1.00' }));
  });
  afterAll(() => stack?.close());
  const wamid = (n: number) => `wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSQkFUQ0hCQVRDSEJBVENIQk${n}`;

  it('moves money by where the message ended: failed then delivered in one POST is charged, never refunded', async () => {
    const id = await sendAccepted(stack, apiKey);
    const base = { id: wamid(1), recipient_id: '919820388810', biz_opaque_callback_data: id };
    await stack.webhooks.applier.stop(); // so the three statuses are applied in one batch
    const posted = await postSignedWebhook(
      stack,
      statusEnvelope([
        { ...base, status: 'sent', timestamp: '1764198000' },
        {
          ...base,
          status: 'failed',
          timestamp: '1764198001',
          errors: [{ code: 131000, title: 'Something went wrong' }],
        },
        { ...base, status: 'delivered', timestamp: '1764198002' },
      ]),
    );
    expect(posted.status).toBe(200);
    stack.webhooks.applier.start();
    const settled = await waitFor(
      async () => {
        const body = await messageStatus(stack, apiKey, id);
        return body.status === 'delivered' ? body : undefined;
      },
      { what: 'delivered' },
    );
    expect(settled.charge.state).toBe('captured');
    const kinds = await stack.api.ctx.db
      .selectFrom('ledger_entries')
      .select('kind')
      .where('message_id', '=', id)
      .orderBy('id')
      .execute();
    expect(kinds.map((k) => k.kind)).toEqual(['hold', 'capture']);
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('a read that overtakes its delivered fills delivered_at at once; the late delivered, earlier, wins', async () => {
    const id = await sendAccepted(stack, apiKey);
    const base = { id: wamid(2), recipient_id: '919820388810', biz_opaque_callback_data: id };
    await postSignedWebhook(stack, statusEnvelope([{ ...base, status: 'read', timestamp: '1764198010' }]));
    const read = await waitFor(
      async () => {
        const body = await messageStatus(stack, apiKey, id);
        return body.status === 'read' ? body : undefined;
      },
      { what: 'read' },
    );
    expect(read.timestamps).toMatchObject({
      sent_at: '2025-11-26T23:00:10.000Z',
      delivered_at: '2025-11-26T23:00:10.000Z',
      read_at: '2025-11-26T23:00:10.000Z',
    });

    await postSignedWebhook(stack, statusEnvelope([{ ...base, status: 'delivered', timestamp: '1764198005' }]));
    const delivered = await waitFor(
      async () => {
        const body = await messageStatus(stack, apiKey, id);
        return body.timestamps.delivered_at === '2025-11-26T23:00:05.000Z' ? body : undefined;
      },
      { what: 'the earlier delivered time' },
    );
    expect(delivered).toMatchObject({
      status: 'read',
      timestamps: { read_at: '2025-11-26T23:00:10.000Z' },
      charge: { state: 'captured' },
    });
  });
});
