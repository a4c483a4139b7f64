import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeMarketingHolds } from '@dak/db';
import { marketingHoldsOf } from '@dak/webhooks';
import {
  DEMO,
  couponOfferRequest,
  expectWalletInvariant,
  sendAccepted,
  startStack,
  waitForMessage,
  type TestStack,
} from '@dak/dev-env';

const DAY = 24 * 3_600_000;
const LIMITED = '919820004901';
const UNDELIVERABLE = '919820004902';

const couponOffer = couponOfferRequest;

// Meta's 131049 (per-user marketing limit) arrives as a failed status after Meta took the send:
// the message fails and is refunded as any failure, and that user's marketing is held a day.
describe('131049 holds the recipient’s marketing for 24 h', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  beforeAll(async () => {
    stack = await startStack({ metaSim: { webhookDelaysMs: { sent: 20, delivered: 40, read: 60 } } });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1.00' }));
    stack.sim.control.addSpecialRecipient({ numbers: [LIMITED], behaviour: 'marketing_limit' });
    stack.sim.control.addSpecialRecipient({ numbers: [UNDELIVERABLE], behaviour: 'fails', errorCode: 131026 });
  });
  afterAll(() => stack?.close());
  const db = () => stack.api.ctx.db;

  it('a 131049 failed status through the receiver leaves a hold of 24 h from the failure; 131026 leaves none', async () => {
    const limited = await sendAccepted(stack, apiKey, couponOffer(LIMITED));
    const undeliverable = await sendAccepted(stack, apiKey, couponOffer(UNDELIVERABLE));
    for (const [id, code] of [
      [limited, 131049],
      [undeliverable, 131026],
    ] as const) {
      const failed = await waitForMessage(
        stack,
        apiKey,
        id,
        (b) => b.status === 'failed' && b.charge.state === 'refunded',
      );
      expect(failed.error).toMatchObject({ code, source: 'meta' });
    }

    const [hold, ...more] = await activeMarketingHolds(db(), accountId, [LIMITED, UNDELIVERABLE, DEMO.recipient]);
    expect(more).toEqual([]);
    const message = await db()
      .selectFrom('messages')
      .select('failed_at')
      .where('id', '=', limited)
      .executeTakeFirstOrThrow();
    expect(hold).toEqual({
      recipient: LIMITED,
      until: new Date(message.failed_at!.getTime() + DAY),
      reason: 'meta_131049',
    });
    expect(Math.abs(hold!.until.getTime() - (Date.now() + DAY))).toBeLessThan(60_000);
    await expectWalletInvariant(db(), accountId);
  });
});

describe('marketingHoldsOf', () => {
  const failedAt = new Date('2026-12-01T10:00:00Z');
  const message = { account_id: 'acc_1', recipient: '919000000001', failed_at: failedAt };
  const meta = (code: number) => ({ code, title: 't', source: 'meta' as const });

  it.each([
    ['failed 131049', { status: 'failed', error: meta(131049) }, true],
    ['failed with another code', { status: 'failed', error: meta(131026) }, false],
    ['delivered after a 131049', { status: 'delivered', error: null }, false],
    ['failed with no error', { status: 'failed', error: null }, false],
  ] as const)('%s', (_, over, held) => {
    expect(marketingHoldsOf([{ ...message, ...over }])).toEqual(
      held
        ? [
            {
              accountId: 'acc_1',
              recipient: '919000000001',
              until: new Date('2026-12-02T10:00:00Z'),
              reason: 'meta_131049',
            },
          ]
        : [],
    );
  });
});
