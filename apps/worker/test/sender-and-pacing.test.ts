import { afterEach, describe, expect, it } from 'vitest';
import { sql } from '@dak/db';
import {
  DEMO,
  orderUpdateRequest as sendBody,
  seedAccount,
  sendAccepted as send,
  startStack,
  waitFor,
  waitForMessage as waitStatus,
  type TestStack,
} from '@dak/dev-env';

describe("the worker sends from the message's own number, at its pace", () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("a job whose data names another tenant's number sends nothing from that number", async () => {
    stack = await startStack({ worker: false, env: { SWEEP_GRACE_MS: '0', SWEEP_INTERVAL_MS: '300' } });
    const s = stack;
    const { apiKey } = await s.seedDemo({ credit: '10.00' });
    // Another business on the same Dak, with its own number and token.
    const other = {
      waba_id: '102290129340999',
      name: 'Other Shop',
      access_token: 'EAAGothertenanttoken0000000000000000',
      phone_numbers: [{ phone_number_id: '106540352242999', display_phone_number: '15550783999', mps: 80 }],
    };
    s.sim.control.addBusiness(other);
    await seedAccount(s.admin, other, { credit: '10.00', createKey: false });
    const otherNumber = await s.api.ctx.db
      .selectFrom('phone_numbers')
      .select('id')
      .where('meta_phone_number_id', '=', '106540352242999')
      .executeTakeFirstOrThrow();

    const id = await send(s, apiKey);
    // Only a forged job exists for the message: it names the other tenant's number.
    await s.api.ctx.queues.send.obliterate({ force: true });
    await s.api.ctx.queues.send.add(
      'send',
      { messageId: id, senderId: otherNumber.id },
      { jobId: `${id}-forged`, attempts: 1 },
    );
    const { ctx } = await s.startWorker();

    // The forged job is refused; the sweeper then enqueues the message's own job, which sends
    // it from its own number.
    await waitStatus(s, apiKey, id, 'read', 15_000);
    expect(s.sim.control.requests({ route: 'messages', phoneNumberId: '106540352242999' })).toHaveLength(0);
    expect(s.sim.control.requests({ route: 'messages', phoneNumberId: DEMO.metaPhoneNumberId })).toHaveLength(1);
    expect(await ctx.metrics.sends.get()).toMatchObject({
      values: expect.arrayContaining([expect.objectContaining({ labels: { outcome: 'refused' }, value: 1 })]),
    });
  });

  it('a job enqueued before the sender_id rename (its sender named phoneNumberId) is still sent', async () => {
    // No sweep within the test: only the old-shaped job can send the message.
    stack = await startStack({ worker: false, env: { SWEEP_GRACE_MS: '600000' } });
    const s = stack;
    const { apiKey } = await s.seedDemo({ credit: '10.00' });
    const id = await send(s, apiKey);
    const { sender_id } = await s.api.ctx.db
      .selectFrom('messages')
      .select('sender_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    await s.api.ctx.queues.send.obliterate({ force: true });
    await s.api.ctx.queues.send.add('send', { messageId: id, phoneNumberId: sender_id } as never, {
      jobId: id,
      attempts: 1,
    });
    const { ctx } = await s.startWorker();

    await waitStatus(s, apiKey, id, 'read', 15_000);
    expect(s.sim.control.requests({ route: 'messages', phoneNumberId: DEMO.metaPhoneNumberId })).toHaveLength(1);
    expect((await ctx.metrics.sends.get()).values.filter((v) => v.labels.outcome === 'refused')).toEqual([]);
  });

  it("sends whose claims stalled behind a locked database go out at the number's rate, not together", async () => {
    stack = await startStack({ worker: false, env: { WORKER_CONCURRENCY: '60', DATABASE_POOL_SIZE: '20' } });
    const s = stack;
    const { apiKey } = await s.seedDemo({ credit: '10.00' });
    const mps = 10;
    await s.api.ctx.db
      .updateTable('phone_numbers')
      .set({ mps })
      .where('meta_phone_number_id', '=', DEMO.metaPhoneNumberId)
      .execute();
    s.sim.control.updatePhoneNumber(DEMO.metaPhoneNumberId, { mps });
    const count = 40;
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await send(s, apiKey, sendBody(`9198200${String(10000 + i)}`)));

    // The database stalls: every claim (an UPDATE) waits on the lock while the slots the
    // sends reserved go by.
    let unlock!: () => void;
    const unlocked = new Promise<void>((resolve) => (unlock = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holder = s.api.ctx.db.transaction().execute(async (trx) => {
      await sql`lock table messages in exclusive mode`.execute(trx);
      locked();
      await unlocked;
    });
    await lockTaken;
    await s.startWorker();
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and application_name = 'dak-worker' and wait_event_type = 'Lock'`.execute(
          s.api.ctx.db,
        );
        return (rows[0]?.n ?? 0) >= 10;
      },
      { what: 'claims blocked on the lock' },
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    unlock();
    await holder;

    await waitFor(
      async () => {
        const rows = await s.api.ctx.db
          .selectFrom('messages')
          .select('status')
          .where('status', 'in', ['queued', 'sending'])
          .execute();
        return rows.length === 0;
      },
      { timeoutMs: 25_000, what: 'every message to leave the queue' },
    );
    const refused = s.sim.control.requests({ route: 'messages' }).filter((r) => r.response.status !== 200);
    expect(refused.map((r) => r.response.body)).toEqual([]);
    expect(s.sim.control.messages()).toHaveLength(count);
  });
});
