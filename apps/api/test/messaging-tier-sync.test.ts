import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { sql, syncAccountMessagingTier } from '@dak/db';
import { fetchMessagingTier, GraphClient } from '@dak/meta';
import { DEMO, startStack, waitFor, type TestStack } from '@dak/dev-env';

// The messaging tier read from Meta (each number's messaging_limit_tier): on demand through the
// admin API and periodically by the worker. The tests run in order on one stack; the worker
// starts only in the last one.

const orderUpdate = templateFixtures.order_update!;
const item = (i: number) => ({
  phone_number: `9197${String(i).padStart(8, '0')}`,
  variables: [{ type: 'body', values: [`Customer ${i}`, `ORD-${i}`] }],
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe("the messaging tier read from Meta's phone numbers", () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;

  beforeAll(async () => {
    stack = await startStack({ worker: false, env: { MESSAGING_TIER_SYNC_INTERVAL_MS: '200' } });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1000.00' }));
  });
  afterAll(() => stack?.close());

  const batch = (indexes: number[]) =>
    stack.call('POST', '/api/whatsapp/v1/send-batch', {
      key: apiKey,
      body: { phone_number_id: DEMO.metaPhoneNumberId, template_id: orderUpdate.id, messages: indexes.map(item) },
    });
  const messageCount = async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from messages where account_id = ${accountId}`.execute(stack.api.ctx.db);
    return rows[0]!.n;
  };
  const sync = () =>
    fetch(`${stack.api.url}/admin/v1/accounts/${accountId}/messaging-tier/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}` },
    }).then(async (r) => ({ status: r.status, text: await r.text() }));

  it('Meta reports TIER_250: after a sync the tier is 250 from Meta, and a send over what is left is refused before any hold', async () => {
    expect(await stack.admin.getAccount(accountId)).toMatchObject({
      messaging_tier: 'unlimited',
      messaging_tier_source: 'default',
      messaging_tier_synced_at: null,
    });
    // Sent while unlimited: the sync that makes the account tiered counts them.
    expect((await batch(range(0, 10))).status).toBe(200);
    stack.sim.control.updateBusiness(DEMO.wabaId, { messaging_limit_tier: 'TIER_250' });

    const before = Date.now();
    const synced = await stack.admin.syncMessagingTier(accountId);
    expect(synced).toMatchObject({
      account: { id: accountId, messaging_tier: 250, messaging_tier_source: 'meta' },
      changed: true,
      numbers: [{ meta_phone_number_id: DEMO.metaPhoneNumberId, messaging_tier: 250, error: null }],
    });
    expect(Date.parse(synced.account.messaging_tier_synced_at!)).toBeGreaterThanOrEqual(before - 1000);
    expect(await stack.admin.getAccount(accountId)).toMatchObject({
      messaging_tier: 250,
      messaging_tier_source: 'meta',
      messaging_tier_synced_at: synced.account.messaging_tier_synced_at,
    });

    const held = (await stack.admin.wallet(accountId)).held;
    const refused = await batch(range(10, 251));
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'messaging_limit_exceeded',
      details: { messaging_tier: 250, used: 10, remaining: 240, needed: 241 },
      message: expect.stringMatching(/POST \/accounts\/\{id\}\/messaging-tier\/sync/),
    });
    expect((await stack.admin.wallet(accountId)).held).toBe(held);
    expect(await messageCount()).toBe(10);
    expect((await batch(range(10, 250))).status).toBe(200);
  });

  it("an admin's tier holds until Meta reports one; a Meta error leaves it, its source and its read time unchanged", async () => {
    const lastRead = (await stack.admin.getAccount(accountId)).messaging_tier_synced_at;
    expect(await stack.admin.updateAccount(accountId, { messaging_tier: 2000 })).toMatchObject({
      messaging_tier: 2000,
      messaging_tier_source: 'admin',
      messaging_tier_synced_at: lastRead,
    });
    stack.sim.control.updateBusiness(DEMO.wabaId, { messaging_limit_tier: 'TIER_10K' });

    // Meta down (500), then Meta refusing the token (400): nothing changes either time.
    stack.sim.control.addFault({ kind: 'error', code: 131000, route: 'all', wabaId: DEMO.wabaId, count: 1 });
    const down = await sync();
    expect(down.status, down.text).toBe(503);
    expect(JSON.parse(down.text).error.code).toBe('service_unavailable');
    stack.sim.control.addFault({
      kind: 'error',
      code: 190,
      httpStatus: 400,
      route: 'all',
      wabaId: DEMO.wabaId,
      count: 1,
    });
    const refused = await sync();
    expect(refused.status, refused.text).toBe(400);
    expect(JSON.parse(refused.text).error).toMatchObject({
      code: 'meta_refused',
      details: { meta_phone_number_id: DEMO.metaPhoneNumberId },
    });
    for (const answer of [down, refused]) expect(answer.text).not.toContain(stack.accessToken);
    expect(await stack.admin.getAccount(accountId)).toMatchObject({
      messaging_tier: 2000,
      messaging_tier_source: 'admin',
      messaging_tier_synced_at: lastRead,
    });

    // Meta answering again: its report replaces the admin's.
    expect((await stack.admin.syncMessagingTier(accountId)).account).toMatchObject({
      messaging_tier: 10_000,
      messaging_tier_source: 'meta',
    });
  });

  it('a tier name Dak does not know (or no tier at all) changes nothing', async () => {
    let answer: unknown = { messaging_limit_tier: 'TIER_50', id: DEMO.metaPhoneNumberId };
    const graph: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => graph.listen(0, '127.0.0.1', resolve));
    try {
      const client = new GraphClient({
        baseUrl: `http://127.0.0.1:${(graph.address() as AddressInfo).port}`,
        version: 'v25.0',
        timeoutMs: 2000,
      });
      const before = await stack.admin.getAccount(accountId);
      const read = () =>
        syncAccountMessagingTier(
          stack.api.ctx.db,
          (id, token) => fetchMessagingTier(client, id, token),
          stack.config.encryptionKey,
          accountId,
        );
      await expect(read()).rejects.toMatchObject({
        code: 'meta_unexpected_answer',
        message: expect.stringMatching(/messaging_limit_tier "TIER_50" .* the stored tier was left as it was/),
      });
      answer = { id: DEMO.metaPhoneNumberId };
      await expect(read()).rejects.toMatchObject({ code: 'meta_unexpected_answer' });
      expect(await stack.admin.getAccount(accountId)).toMatchObject({
        messaging_tier: before.messaging_tier,
        messaging_tier_source: before.messaging_tier_source,
        messaging_tier_synced_at: before.messaging_tier_synced_at,
      });
    } finally {
      await new Promise((resolve) => graph.close(resolve));
    }
  });

  it("the worker reads every account's tier periodically", async () => {
    stack.sim.control.updateBusiness(DEMO.wabaId, { messaging_limit_tier: 'TIER_UNLIMITED' });
    await stack.startWorker();
    const account = await waitFor(
      async () => {
        const found = await stack.admin.getAccount(accountId);
        return found.messaging_tier === 'unlimited' ? found : undefined;
      },
      { what: "the worker to read Meta's unlimited tier" },
    );
    expect(account.messaging_tier_source).toBe('meta');
  });
});
