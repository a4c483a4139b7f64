import { afterEach, describe, expect, it } from 'vitest';
import {
  DEMO,
  messageStatus,
  orderUpdateRequest,
  seedAccount,
  sendAccepted,
  startStack,
  waitFor,
  waitForMessage as waitStatus,
  type TestStack,
} from '@dak/dev-env';
import { templateFixtures } from '@dak/dev-env/template-fixtures';

// Dispatch from Postgres: lanes, a bounded window in Redis, each number at its own rate, and a
// rate change applied within a second.
describe('dispatch', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function setUp(mps: number, workers = 1) {
    stack = await startStack({ worker: false });
    const s = stack;
    const seeded = await s.seedDemo({ credit: '5000.00' });
    await setRate(s, mps);
    for (let i = 0; i < workers; i++) await s.startWorker();
    return { s, ...seeded };
  }

  async function setRate(s: TestStack, mps: number) {
    await s.admin.updatePhoneNumber(DEMO.metaPhoneNumberId, { mps });
    s.sim.control.updatePhoneNumber(DEMO.metaPhoneNumberId, { mps });
  }

  /** One send-batch of `count` messages of a demo template, filled with the template's own examples. */
  async function sendBatch(
    s: TestStack,
    apiKey: string,
    template: keyof typeof templateFixtures,
    count: number,
    from = 0,
  ) {
    const id = templateFixtures[template]!.id;
    const { variables } = (await s.call('GET', `/api/whatsapp/v1/get-template-by-id/${id}`, { key: apiKey })).body;
    const messages = Array.from({ length: count }, (_, i) => ({
      phone_number: `91982${String(from + i).padStart(7, '0')}`,
      variables,
    }));
    const response = await s.call('POST', '/api/whatsapp/v1/send-batch', {
      key: apiKey,
      body: { phone_number_id: DEMO.metaPhoneNumberId, template_id: id, messages },
    });
    expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(200);
    return response.body.message_ids as string[];
  }

  /** Meta's accepted sends of the demo number, as epoch ms. */
  const acceptedAt = (s: TestStack) =>
    s.sim.control
      .requests({ route: 'messages', phoneNumberId: DEMO.metaPhoneNumberId })
      .filter((r) => r.response.status === 200)
      .map((r) => Date.parse(r.at));

  /** How many of `sends` (epoch ms) fall in [from, to). */
  const within = (sends: number[], from: number, to: number) => sends.filter((at) => at >= from && at < to).length;

  it('an authentication message accepted behind a marketing backlog goes out within a second, at 80 mps', async () => {
    const { s, apiKey } = await setUp(80);
    await sendBatch(s, apiKey, 'coupon_offer', 1_200);
    await waitFor(() => acceptedAt(s).length > 80, { what: 'the marketing backlog to be sending' });

    const { variables } = (
      await s.call('GET', `/api/whatsapp/v1/get-template-by-id/${templateFixtures.login_otp!.id}`, { key: apiKey })
    ).body;
    const accepted = Date.now();
    const otp = await s.call('POST', '/api/whatsapp/v1/send-message', {
      key: apiKey,
      body: {
        phone_number_id: DEMO.metaPhoneNumberId,
        template_id: templateFixtures.login_otp!.id,
        phone_number: '919000000001',
        variables,
      },
    });
    expect(otp.status).toBe(200);
    const sent = await waitStatus(s, apiKey, otp.body.message_id, (m) => m.timestamps.sent_at !== null, 5_000);
    // Admitted at the next tick into the number's next free slot, at most a window ahead (450 ms
    // by default); behind the backlog it would wait 15 s. The bound leaves room for this
    // machine's load (the whole stack in this process, beside another test file); `pnpm bench`
    // measures it with the stack as separate processes.
    expect(Date.parse(sent.timestamps.sent_at) - accepted).toBeLessThan(2_000);
    // The backlog was still there: the message went ahead of it.
    const queued = await s.api.ctx.db
      .selectFrom('messages')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where('status', '=', 'queued')
      .executeTakeFirstOrThrow();
    expect(Number(queued.n)).toBeGreaterThan(500);
  });

  it("a backlog on one number never slows another tenant's number", async () => {
    const { s, apiKey } = await setUp(20);
    // Another business on the same Dak, with its own number and its own copy of order_update.
    const template = { ...templateFixtures.order_update!, id: '1999000000000001' };
    const other = {
      waba_id: '102290129340999',
      name: 'Other Shop',
      access_token: 'EAAGothertenanttoken0000000000000000',
      phone_numbers: [{ phone_number_id: '106540352242999', display_phone_number: '15550783999', mps: 80 }],
      templates: [template] as never,
    };
    s.sim.control.addBusiness(other);
    const seeded = await seedAccount(s.admin, other, { credit: '10.00' });
    await sendBatch(s, apiKey, 'order_update', 1_000);
    await waitFor(() => acceptedAt(s).length >= 20, { what: 'the backlog to be sending' });

    const accepted = Date.now();
    const id = await sendAccepted(s, seeded.apiKey!, {
      ...orderUpdateRequest(),
      phone_number_id: '106540352242999',
      template_id: template.id,
    });
    const sent = await waitStatus(s, seeded.apiKey!, id, (m) => m.timestamps.sent_at !== null, 5_000);
    // Its number has no backlog: admitted at the next tick into a free slot. Queued behind the
    // other number's backlog it would wait 50 s; the bound leaves room for this machine's load.
    expect(Date.parse(sent.timestamps.sent_at) - accepted).toBeLessThan(2_000);
  });

  it('Redis holds a window of sends, not the backlog', async () => {
    const { s, apiKey } = await setUp(10);
    await sendBatch(s, apiKey, 'order_update', 3_000);
    await waitFor(() => acceptedAt(s).length >= 10, { what: 'sending to start' });
    const jobs = await s.api.ctx.queues.send.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    const inRedis = jobs.reduce((sum, job) => sum + job.data.sends.length, 0);
    // At 10/s a window of 0.4 s and a tick hold a handful, whatever waits in Postgres.
    expect(inRedis).toBeLessThanOrEqual(10);
    const admitted = await s.api.ctx.db
      .selectFrom('messages')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where('status', '=', 'queued')
      .where('admitted_at', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(Number(admitted.n)).toBeLessThanOrEqual(10);
  });

  it("each number's rate holds with several workers, and a changed rate applies within a second", async () => {
    const { s, apiKey } = await setUp(10, 3);
    await sendBatch(s, apiKey, 'order_update', 500);
    await waitFor(() => acceptedAt(s).length >= 1, { what: 'sending to start' });
    const first = acceptedAt(s)[0]!;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const changed = Date.now();
    await setRate(s, 40);
    await new Promise((resolve) => setTimeout(resolve, 5_000));

    const sends = acceptedAt(s);
    // Before: 10/s (2 s measured, away from the start and the change).
    expect(within(sends, first + 500, first + 2_500)).toBeGreaterThanOrEqual(18);
    expect(within(sends, first + 500, first + 2_500)).toBeLessThanOrEqual(21);
    // From a second after the change: 40/s (3 s measured: 120), never more (5 % for the sim's
    // clock). How many fewer depends on the machine: this runs in one process with the API,
    // meta-sim and three workers, beside other test files, and a job that starts late moves its
    // number's timeline later rather than bunching sends, so a starved machine sends fewer (113,
    // 98 and 76 of 120 seen with two or three suites on two cores; `pnpm bench` measures the ±2 %
    // of production). What shows the new rate applied is more than 10/s could send: at most 11 in
    // any second and 31 in three.
    expect(within(sends, changed + 1_000, changed + 4_000)).toBeLessThanOrEqual(123);
    expect(within(sends, changed + 1_000, changed + 2_000)).toBeGreaterThanOrEqual(16);
    expect(within(sends, changed + 1_000, changed + 4_000)).toBeGreaterThanOrEqual(60);
    expect(s.sim.control.requests({ route: 'messages' }).filter((r) => r.response.status !== 200)).toEqual([]);
  });

  it('a 130429 pauses the whole number for a second; every message is still sent once', async () => {
    const { s, apiKey } = await setUp(50);
    s.sim.control.addFault({ kind: 'error', code: 130429, count: 1 });
    const ids = await sendBatch(s, apiKey, 'order_update', 20);
    for (const id of ids) await waitStatus(s, apiKey, id, 'read', 15_000);
    const requests = s.sim.control.requests({ route: 'messages' });
    expect(requests).toHaveLength(21);
    const refusedAt = Date.parse(requests.find((r) => r.response.status !== 200)!.at);
    // Sends already on their way when Meta refused arrive just after; then nothing for a second.
    const times = requests.map((r) => Date.parse(r.at)).sort((a, b) => a - b);
    const pause = times.findIndex((at, i) => i > 0 && times[i - 1]! >= refusedAt && at - times[i - 1]! >= 900);
    expect(pause, JSON.stringify(times.map((t) => t - refusedAt))).toBeGreaterThan(0);
    // "Just after": a few 20 ms intervals, plus a stall of this one event loop (shared by the
    // API, meta-sim and the worker), 210 ms seen with two suites on two cores.
    expect(times[pause - 1]! - refusedAt).toBeLessThan(350);
    expect(new Set((await Promise.all(ids.map((id) => messageStatus(s, apiKey, id)))).map((m) => m.wamid)).size).toBe(
      20,
    );
  });

  it('after a 131049, marketing to that recipient is held for a day while their other messages go', async () => {
    const { s, apiKey } = await setUp(80);
    const limited = '919000000049';
    s.sim.control.addSpecialRecipient({ numbers: [limited], behaviour: 'marketing_limit' });
    const coupon = templateFixtures.coupon_offer!;
    const { variables } = (await s.call('GET', `/api/whatsapp/v1/get-template-by-id/${coupon.id}`, { key: apiKey }))
      .body;
    const marketing = {
      phone_number_id: DEMO.metaPhoneNumberId,
      template_id: coupon.id,
      phone_number: limited,
      variables,
    };
    const first = await sendAccepted(s, apiKey, marketing);
    expect((await waitStatus(s, apiKey, first, 'failed', 10_000)).error).toMatchObject({ code: 131049 });

    const second = await sendAccepted(s, apiKey, marketing);
    const utility = await sendAccepted(s, apiKey, orderUpdateRequest(limited));
    await waitStatus(s, apiKey, utility, 'read', 10_000);
    // Two seconds on, the held one is still queued and was never offered to Meta.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await messageStatus(s, apiKey, second)).status).toBe('queued');
    expect(s.sim.control.requests({ route: 'messages' })).toHaveLength(2);
  });

  it('a 131048 slows the whole number to half its rate, and the message is tried again', async () => {
    const { s, apiKey } = await setUp(20);
    s.sim.control.addFault({ kind: 'error', code: 131048, count: 1 });
    const [id] = await sendBatch(s, apiKey, 'order_update', 1);
    await waitFor(() => s.sim.control.requests({ route: 'messages' }).length === 1, { what: 'the refused send' });
    const sender = await s.api.ctx.db
      .selectFrom('phone_numbers')
      .select('id')
      .where('meta_phone_number_id', '=', DEMO.metaPhoneNumberId)
      .executeTakeFirstOrThrow();
    await waitFor(async () => (await s.worker!.ctx.dispatch.paces([sender.id])).get(sender.id)?.rateFactor === 0.5, {
      what: 'the number slowed',
    });
    const read = await waitStatus(s, apiKey, id!, 'read', 10_000);
    expect(read.charge.state).toBe('captured');

    // Half of 20/s: a backlog now goes out at 10/s.
    const before = s.sim.control.requests({ route: 'messages' }).length;
    await sendBatch(s, apiKey, 'order_update', 100, 1);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Only the 3 s measured: a late timer must not add the sends made after them.
    const sent = within(
      s.sim.control.requests({ route: 'messages' }).map((r) => Date.parse(r.at)),
      started,
      started + 3_000,
    );
    expect(before).toBe(2);
    // Never more than 10/s (30, 10 % for the sim's clock). Fewer on a starved machine, where late
    // jobs move the timeline later (see the rate-change test); 20 still rules out the factor
    // applied twice (5/s: 16 at most).
    expect(sent).toBeLessThanOrEqual(33);
    expect(sent).toBeGreaterThanOrEqual(20);
  });
});
