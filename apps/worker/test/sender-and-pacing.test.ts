import { afterEach, describe, expect, it } from 'vitest';
import { sql } from '@dak/db';
import { DISPATCH_JOB, LEGACY_SEND_JOB } from '@dak/queue';
import {
  DEMO,
  orderUpdateRequest as sendBody,
  seedAccount,
  sendAccepted as send,
  startStack,
  waitFor,
  waitForQueueEmpty,
  waitForMessage as waitStatus,
  type TestStack,
} from '@dak/dev-env';

describe("the worker sends from the message's own number, at its pace", () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("a dispatch job naming another tenant's number sends nothing from that number", async () => {
    stack = await startStack({ worker: false });
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
    // A forged job, due before the dispatcher runs: it names the message under the other tenant's number.
    await s.api.ctx.queues.send.add(DISPATCH_JOB, {
      senderId: otherNumber.id,
      sends: [[id, Date.now()]],
      interval: 12.5,
    });
    const { ctx } = await s.startWorker();

    // The forged job claims nothing (the message is not that number's); the dispatcher admits
    // the message under its own number, which sends it.
    await waitStatus(s, apiKey, id, 'read', 15_000);
    expect(s.sim.control.requests({ route: 'messages', phoneNumberId: '106540352242999' })).toHaveLength(0);
    expect(s.sim.control.requests({ route: 'messages', phoneNumberId: DEMO.metaPhoneNumberId })).toHaveLength(1);
    expect(await ctx.metrics.sends.get()).toMatchObject({
      values: expect.arrayContaining([expect.objectContaining({ labels: { outcome: 'skipped' }, value: 1 })]),
    });
  });

  it('a send job left in Redis from before dispatch is harmless, and its message is sent once', async () => {
    stack = await startStack({ worker: false });
    const s = stack;
    const { apiKey } = await s.seedDemo({ credit: '10.00' });
    const id = await send(s, apiKey);
    const { sender_id } = await s.api.ctx.db
      .selectFrom('messages')
      .select('sender_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    // As the API enqueued one per message before dispatch (and, before the sender_id rename, with phoneNumberId).
    await s.api.ctx.queues.send.add(LEGACY_SEND_JOB, { messageId: id, phoneNumberId: sender_id } as never, {
      jobId: id,
    });
    await s.startWorker();

    await waitStatus(s, apiKey, id, 'read', 15_000);
    expect(s.sim.control.requests({ route: 'messages', phoneNumberId: DEMO.metaPhoneNumberId })).toHaveLength(1);
    await waitFor(async () => (await s.api.ctx.queues.send.getJobState(id)) !== 'waiting', {
      what: 'the old job to be taken',
    });
    expect(await s.api.ctx.queues.send.getJobState(id)).not.toBe('failed');
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

    // The database stalls: the admission and the claims (UPDATEs) wait on the lock while the
    // slots of what was admitted go by.
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
        return (rows[0]?.n ?? 0) >= 1;
      },
      { what: 'the dispatcher blocked on the lock' },
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    unlock();
    await holder;

    await waitForQueueEmpty(s, 25_000);
    const refused = s.sim.control.requests({ route: 'messages' }).filter((r) => r.response.status !== 200);
    expect(refused.map((r) => r.response.body)).toEqual([]);
    expect(s.sim.control.messages()).toHaveLength(count);
  });
});
