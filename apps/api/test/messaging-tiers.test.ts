import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { sql } from '@dak/db';
import { DEMO, expectWalletInvariant, startStack, waitFor, type TestStack } from '@dak/dev-env';

const orderUpdate = templateFixtures.order_update!;
const recipient = (i: number) => `9196${String(i).padStart(8, '0')}`;
const item = (i: number) => ({
  phone_number: recipient(i),
  variables: [{ type: 'body', values: [`Customer ${i}`, `ORD-${i}`] }],
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe('messaging tiers: Dak refuses sends beyond the portfolio’s unique users per 24 h up front', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;

  const batch = (indexes: number[]) =>
    stack.call('POST', '/api/whatsapp/v1/send-batch', {
      key: apiKey,
      body: { phone_number_id: DEMO.metaPhoneNumberId, template_id: orderUpdate.id, messages: indexes.map(item) },
    });
  const sendOne = (i: number) =>
    stack.call('POST', '/api/whatsapp/v1/send-message', {
      key: apiKey,
      body: { phone_number_id: DEMO.metaPhoneNumberId, template_id: orderUpdate.id, ...item(i) },
    });
  const counts = async () => {
    const { rows } = await sql<{ messages: number; batches: number }>`
      select (select count(*)::int from messages where account_id = ${accountId}) as messages,
             (select count(*)::int from batches where account_id = ${accountId}) as batches`.execute(stack.api.ctx.db);
    return rows[0]!;
  };
  /** Ages every recipient the account reached past the 24-hour window: a new day's budget. */
  const newDay = () =>
    sql`update recipient_reach set last_sent_at = now() - interval '25 hours' where account_id = ${accountId}`.execute(
      stack.api.ctx.db,
    );

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1000.00' }));
  });
  afterAll(() => stack?.close());

  it('the admin API sets the tier and shows it; accounts are unlimited by default; anything but a tier is a 400', async () => {
    expect((await stack.admin.getAccount(accountId)).messaging_tier).toBe('unlimited');
    expect((await stack.admin.updateAccount(accountId, { messaging_tier: 2000 })).messaging_tier).toBe(2000);
    expect((await stack.admin.getAccount(accountId)).messaging_tier).toBe(2000);
    expect((await stack.admin.listAccounts()).accounts.find((a) => a.id === accountId)?.messaging_tier).toBe(2000);
    expect((await stack.admin.updateAccount(accountId, { messaging_tier: 'unlimited' })).messaging_tier).toBe(
      'unlimited',
    );
    for (const wrong of [300, '250', 0, null]) {
      const response = await fetch(`${stack.api.url}/admin/v1/accounts/${accountId}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messaging_tier: wrong }),
      });
      expect(response.status, String(wrong)).toBe(400);
      expect(JSON.stringify(await response.json())).toMatch(/250, 2000, 10000, 100000 or \\"unlimited\\"/);
    }
    expect((await stack.admin.updateAccount(accountId, { messaging_tier: 250 })).messaging_tier).toBe(250);
  });

  it('a batch over the remaining tier is refused before any hold: 422, nothing stored or held', async () => {
    const before = await stack.admin.wallet(accountId);
    const response = await batch(range(0, 251));
    expect(response.status, JSON.stringify(response.body)).toBe(422);
    expect(response.body).toMatchObject({
      success: false,
      error: {
        code: 'messaging_limit_exceeded',
        message: expect.stringMatching(
          /tier is 250 unique users per rolling 24 hours; 250 are left now and this request needs 251 new ones/,
        ),
        details: { messaging_tier: 250, used: 0, remaining: 250, needed: 251 },
      },
    });
    expect(response.body.error.message).toMatch(/PATCH \/accounts\/\{id\}/);
    expect(await stack.admin.wallet(accountId)).toMatchObject({ available: before.available, held: '0.00' });
    expect(await counts()).toEqual({ messages: 0, batches: 0 });
  });

  it('a batch within it is accepted; recipients messaged in the last 24 h do not count again', async () => {
    expect((await batch(range(0, 200))).status).toBe(200);
    // 60 already reached today and 40 new ones: 240 of 250, accepted.
    const mixed = await batch([...range(140, 200), ...range(200, 240)]);
    expect(mixed.status, JSON.stringify(mixed.body)).toBe(200);
    expect(mixed.body.accepted).toBe(100);
    // Duplicates inside a batch are one user: 10 new ones, each twice, fill the tier exactly.
    const doubled = await batch([...range(240, 250), ...range(240, 250)]);
    expect(doubled.status, JSON.stringify(doubled.body)).toBe(200);
    // Only users reached today now, as often as the pair rate allows.
    expect((await batch(range(0, 250))).status).toBe(200);
    const over = await batch([...range(0, 10), 250]);
    expect(over.status).toBe(422);
    expect(over.body.error.details).toEqual({ messaging_tier: 250, used: 250, remaining: 0, needed: 1 });
    expect(await counts()).toEqual({ messages: 200 + 100 + 20 + 250, batches: 4 });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('send-message at the limit: a reached user goes, a new one is the same 422', async () => {
    const reached = await sendOne(3);
    expect(reached.status, JSON.stringify(reached.body)).toBe(200);
    const held = (await stack.admin.wallet(accountId)).held;
    const fresh = await sendOne(999);
    expect(fresh.status).toBe(422);
    expect(fresh.body.error).toMatchObject({
      code: 'messaging_limit_exceeded',
      message: expect.stringMatching(/0 are left now and this request needs 1 new one,/),
      details: { messaging_tier: 250, used: 250, remaining: 0, needed: 1 },
    });
    expect((await stack.admin.wallet(accountId)).held).toBe(held);
    // The window rolls: once the earlier sends are a day old, the user goes.
    await newDay();
    expect((await sendOne(999)).status).toBe(200);
  });

  it('two batches at once never pass the tier together, nor do concurrent single sends', async () => {
    await newDay();
    const [a, b] = await Promise.all([batch(range(1_000, 1_200)), batch(range(2_000, 2_200))]);
    expect([a.status, b.status].sort()).toEqual([200, 422]);
    const refused = a.status === 422 ? a : b;
    expect(refused.body.error.details).toEqual({ messaging_tier: 250, used: 200, remaining: 50, needed: 200 });

    // 50 left: 80 concurrent sends to new users (the API shares their accept statements; the key takes 100/s).
    const replies = await Promise.all(range(3_000, 3_080).map(sendOne));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(50);
    expect(replies.filter((r) => r.status === 422 && r.body.error.code === 'messaging_limit_exceeded')).toHaveLength(
      30,
    );
    const { rows } = await sql<{ reached: number }>`
      select count(*)::int as reached from recipient_reach
      where account_id = ${accountId} and last_sent_at > now() - interval '24 hours'`.execute(stack.api.ctx.db);
    expect(rows[0]!.reached).toBe(250);
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('an unlimited account is not counted against anything; a new tier counts the last 24 h of its messages', async () => {
    await stack.admin.updateAccount(accountId, { messaging_tier: 'unlimited' });
    expect((await batch(range(4_000, 4_300))).status).toBe(200);
    const { rows } = await sql<{ recipients: number }>`
      select count(distinct recipient)::int as recipients from messages
      where account_id = ${accountId} and queued_at > now() - interval '24 hours'`.execute(stack.api.ctx.db);
    const reached = rows[0]!.recipients;
    expect(reached).toBe(250 + 1 + 200 + 50 + 300);

    await stack.admin.updateAccount(accountId, { messaging_tier: 2000 });
    const refused = await batch(range(5_000, 5_000 + 2_000 - reached + 1));
    expect(refused.status).toBe(422);
    expect(refused.body.error.details).toEqual({
      messaging_tier: 2000,
      used: reached,
      remaining: 2000 - reached,
      needed: 2000 - reached + 1,
    });
    expect((await batch(range(5_000, 5_000 + 2_000 - reached))).status).toBe(200);
  });

  it('a tier set while the Meta sync makes the account unlimited sees that, and rebuilds the reach', async () => {
    const reachRows = async () =>
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from recipient_reach where account_id = ${accountId}`.execute(stack.api.ctx.db)
      ).rows[0]!.n;
    expect(await reachRows()).toBeGreaterThan(0);
    // Another writer (the Meta tier sync) makes the account unlimited and holds its row; while
    // unlimited, accepts keep no reach (as if that writer's sends had gone meanwhile).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const writer = stack.api.ctx.db.transaction().execute(async (trx) => {
      await sql`update accounts set messaging_tier = null where id = ${accountId}`.execute(trx);
      await sql`delete from recipient_reach where account_id = ${accountId}`.execute(trx);
      locked();
      await held;
    });
    await isLocked;
    const patched = stack.admin.updateAccount(accountId, { messaging_tier: 10_000 });
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%accounts%'`.execute(
          stack.api.ctx.db,
        );
        return rows[0]!.n > 0 ? true : undefined;
      },
      { what: 'the PATCH waiting for the account row' },
    );
    release();
    await writer;
    expect((await patched).messaging_tier).toBe(10_000);
    const { rows } = await sql<{ recipients: number }>`
      select count(distinct recipient)::int as recipients from messages
      where account_id = ${accountId} and queued_at > now() - interval '24 hours'`.execute(stack.api.ctx.db);
    expect(await reachRows()).toBe(rows[0]!.recipients);
  });
});

describe("Meta's messaging-limit refusal in the worker", () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;

  beforeAll(async () => {
    stack = await startStack();
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '100.00' }));
    const [phone] = (await stack.admin.listPhoneNumbers(accountId)).phone_numbers;
    await stack.admin.updatePhoneNumber(phone!.id, { mps: 1000 });
    stack.sim.control.updatePhoneNumber(DEMO.metaPhoneNumberId, { mps: 1000 });
  });
  afterAll(() => stack?.close());

  it('fails the message with Meta’s code once, without a retry, and releases its hold', async () => {
    // Meta's tier is lower than Dak's record (unlimited): only Meta can refuse.
    stack.sim.control.updateBusiness(DEMO.wabaId, { messaging_limit_tier: 'TIER_250' });
    const response = await stack.call('POST', '/api/whatsapp/v1/send-batch', {
      key: apiKey,
      body: { phone_number_id: DEMO.metaPhoneNumberId, template_id: orderUpdate.id, messages: range(0, 260).map(item) },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const failed = await waitFor(
      async () => {
        const { rows } = await sql<{ status: string; n: number }>`
          select status, count(*)::int as n from messages where account_id = ${accountId} group by status`.execute(
          stack.api.ctx.db,
        );
        const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
        return byStatus.failed === 10 && !byStatus.queued && !byStatus.sending ? byStatus : undefined;
      },
      { what: '10 messages failed and none left to send', timeoutMs: 20_000 },
    );
    expect((failed.sent ?? 0) + (failed.delivered ?? 0) + (failed.read ?? 0)).toBe(250);
    const errors = await sql<{
      error: { code: number; source: string; details: string };
      attempts: number;
      charge: string;
    }>`
      select error, attempts, charge_state as charge from messages
      where account_id = ${accountId} and status = 'failed'`.execute(stack.api.ctx.db);
    for (const row of errors.rows) {
      expect(row.error).toMatchObject({
        code: 131064,
        source: 'meta',
        details: expect.stringMatching(/messaging limit/),
      });
      expect(row.attempts).toBe(0);
      expect(row.charge).toBe('released');
    }
    // Tried once each: meta-sim refused exactly ten sends.
    expect(stack.sim.control.sends(DEMO.metaPhoneNumberId).refused).toEqual({ 131064: 10 });
    await waitFor(async () => (await stack.admin.wallet(accountId)).held === '0.00' || undefined, {
      what: 'nothing held',
    });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });
});
