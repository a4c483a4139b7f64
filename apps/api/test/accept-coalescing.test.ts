import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectWalletInvariant, orderUpdateRequest, startStack, type TestStack } from '@dak/dev-env';

// Concurrent single sends of one account share accept statements; each request still gets its
// own answer, committed before it is given, and never fails for a neighbour.
describe('concurrent sends of one account', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await startStack({ worker: false });
  });
  afterEach(() => stack?.close());

  const send = (key: string, body: unknown) => stack.call('POST', '/api/whatsapp/v1/send-message', { key, body });
  const recipient = (i: number) => `9198200${String(i).padStart(5, '0')}`;
  const statementsRun = async () =>
    (await stack.api.ctx.metrics.getSingleMetric('dak_api_accept_statements_total')!.get()).values[0]?.value ?? 0;
  const storedIds = async (accountId: string) =>
    new Set(
      (await stack.api.ctx.db.selectFrom('messages').select('id').where('account_id', '=', accountId).execute()).map(
        (m) => m.id,
      ),
    );

  it('share statements, and every answered message is stored queued and held (the dispatcher takes it from there)', async () => {
    const { apiKey, accountId } = await stack.seedDemo({ credit: '100.00' });
    const before = await statementsRun();
    const answers = await Promise.all(
      Array.from({ length: 64 }, (_, i) => send(apiKey, orderUpdateRequest(recipient(i)))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(64).fill(200));
    const ids = answers.map((a) => a.body.message_id as string);
    expect(new Set(ids).size).toBe(64);
    expect(await storedIds(accountId)).toEqual(new Set(ids));
    expect((await statementsRun()) - before).toBeLessThan(64);
    const statuses = await stack.api.ctx.db.selectFrom('messages').select('status').where('id', 'in', ids).execute();
    expect(statuses.every((m) => m.status === 'queued')).toBe(true);
    expect(await stack.admin.wallet(accountId)).toMatchObject({ held: '6.40', available: '93.60' });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('a balance that covers only some: exactly those are accepted, the others get 402 alone, nothing overdraws', async () => {
    const { apiKey, accountId } = await stack.seedDemo({ credit: '4.00' });
    const answers = await Promise.all(
      Array.from({ length: 64 }, (_, i) => send(apiKey, orderUpdateRequest(recipient(100 + i)))),
    );
    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    expect(accepted).toHaveLength(40);
    expect(refused.map((a) => a.body.error.code)).toEqual(Array(24).fill('insufficient_funds'));
    expect(await storedIds(accountId)).toEqual(new Set(accepted.map((a) => a.body.message_id)));
    expect(await stack.admin.wallet(accountId)).toMatchObject({ held: '4.00', available: '0.00', debt: '0.00' });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('a request Postgres refuses fails alone; its neighbours in the same statement are accepted', async () => {
    const { apiKey, accountId } = await stack.seedDemo({ credit: '10.00' });
    const bodies = Array.from({ length: 16 }, (_, i) => ({
      ...orderUpdateRequest(recipient(200 + i)),
      client_reference: i === 7 ? 'bad\u0000ref' : `ref-${i}`,
    }));
    const answers = await Promise.all(bodies.map((body) => send(apiKey, body)));
    expect(answers[7]!.status).toBe(400);
    expect(answers[7]!.body.error.code).toBe('invalid_value');
    const accepted = answers.filter((_, i) => i !== 7);
    expect(accepted.map((a) => a.status)).toEqual(Array(15).fill(200));
    expect(await storedIds(accountId)).toEqual(new Set(accepted.map((a) => a.body.message_id)));
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });
});
