import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { closeApiContext, createApiContext, createApp } from '@dak/api';
import { sql } from '@dak/db';
import { listen, type RunningServer } from '@dak/http';
import { announced, orderUpdateRequest, startStack, type TestStack } from '@dak/dev-env';

// Keys, prices, senders and templates are read from memory on the send path. A change made
// anywhere (here: the admin API of one API process, the webhook applier) reaches a second API
// process, with its own pool and its own LISTEN connection, within a second.
describe('in-memory caches across API processes', () => {
  let stack: TestStack;
  let second: RunningServer & { ctx: ReturnType<typeof createApiContext> };
  let apiKey: string;
  let accountId: string;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '10.00' }));
    const ctx = createApiContext(stack.config);
    await ctx.changes.whenReady();
    second = { ...(await listen(createApp(ctx), 0)), ctx };
  });
  afterAll(async () => {
    await second?.close();
    if (second) await closeApiContext(second.ctx);
    await stack?.close();
  });

  const sendOnSecond = async (key = apiKey, body: unknown = orderUpdateRequest()) => {
    const response = await fetch(`${second.url}/api/whatsapp/v1/send-message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };

  /** Sends on the second process and answers the price the message was held at. */
  async function priceOfNextSend(): Promise<number> {
    const sent = await sendOnSecond();
    const message = await stack.api.ctx.db
      .selectFrom('messages')
      .select('price_minor')
      .where('id', '=', sent.body.message_id)
      .executeTakeFirstOrThrow();
    return message.price_minor;
  }

  /** Polls the second process until `done` holds; returns how long the change took to arrive. */
  async function arrivesWithin(ms: number, done: () => Promise<boolean>): Promise<number> {
    const started = Date.now();
    while (!(await done())) {
      if (Date.now() - started > ms) throw new Error(`the change did not reach the second API process within ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return Date.now() - started;
  }

  it('a new price applies to the next send on the other process', async () => {
    expect((await sendOnSecond()).status).toBe(200); // warms the key (with the account's prices), sender and template
    // Within a second the second process hears of it (and drops what it held), so its very next
    // send holds the new price. Timed on the announcement, not on sends, which a loaded machine slows.
    await announced(
      second.ctx.changes,
      'accounts',
      accountId,
      () => stack.admin.call('PATCH', `/accounts/${accountId}`, { price: '0.25' }),
      1_000,
    );
    expect(await priceOfNextSend()).toBe(25);
  });

  it('a paused template is refused on the other process', async () => {
    const template = templateFixtures.order_update!;
    expect((await sendOnSecond()).status).toBe(200);
    stack.sim.control.setTemplateStatus(template.id, { status: 'PAUSED', reason: 'LOW_QUALITY' });
    await arrivesWithin(5_000, async () => (await sendOnSecond()).status === 422);
    const refused = await sendOnSecond();
    expect(refused.body.error).toMatchObject({ code: 'template_not_approved', details: { status: 'PAUSED' } });
    stack.sim.control.setTemplateStatus(template.id, { status: 'APPROVED' });
    await arrivesWithin(5_000, async () => (await sendOnSecond()).status === 200);
  });

  it('a revoked key is refused on the other process within a second', async () => {
    const { id, key } = await stack.admin.createApiKey(accountId, { name: 'soon revoked' });
    expect((await sendOnSecond(key)).status).toBe(200);
    // Heard by the second process within a second; its very next request with the key is refused.
    await announced(
      second.ctx.changes,
      'api_keys',
      accountId,
      () => stack.admin.call('DELETE', `/api-keys/${id}`),
      1_000,
    );
    expect((await sendOnSecond(key)).status).toBe(401);
  });

  it('forgets everything when its LISTEN connection is lost, so nothing stale survives an outage', async () => {
    expect((await sendOnSecond()).status).toBe(200);
    // Kill the LISTEN connections, then change a price while they reconnect: that notification is lost.
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'dak-change-feed' and datname = current_database()`.execute(
      stack.api.ctx.db,
    );
    await stack.api.ctx.db.updateTable('accounts').set({ price_minor: 40 }).where('id', '=', accountId).execute();
    await arrivesWithin(3_000, async () => (await priceOfNextSend()) === 40);
  });
});
