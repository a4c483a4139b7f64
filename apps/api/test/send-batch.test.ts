import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { sql } from '@dak/db';
import { DEMO, expectWalletInvariant, startStack, waitFor, type TestStack } from '@dak/dev-env';

const BATCH = '/api/whatsapp/v1/send-batch';
const SIZE = 10_000;
const orderUpdate = templateFixtures.order_update!;
/** Distinct recipients, so meta-sim's pair rate limit (per sender and recipient) never applies. */
const recipient = (i: number) => `9198${String(i).padStart(8, '0')}`;
const valid = (i: number) => ({
  phone_number: recipient(i),
  variables: [{ type: 'body', values: [`Customer ${i}`, `ORD-${100000 + i}`] }],
  client_reference: `order-${i}`,
});

/** Each kind of mistake send-message refuses, with the code it answers. */
const INVALID: [unknown, string][] = [
  [{ ...valid(0), phone_number: 'not a number' }, 'invalid_phone_number'],
  [{ ...valid(0), phone_number: '12345' }, 'invalid_phone_number'],
  [{ ...valid(0), phone_number: '0919820388810' }, 'invalid_phone_number'],
  [{ ...valid(0), variables: [{ type: 'body', values: ['only the name'] }] }, 'variables_mismatch'],
  [{ ...valid(0), variables: [] }, 'variables_mismatch'],
  [{ ...valid(0), variables: [{ type: 'body', values: ['a', 'b', 'one too many'] }] }, 'variables_mismatch'],
  [
    {
      ...valid(0),
      variables: [
        { type: 'body', values: ['a', 'b'] },
        { type: 'header', values: ['no header here'] },
      ],
    },
    'variables_mismatch',
  ],
  [
    {
      ...valid(0),
      variables: [
        { type: 'body', values: ['a', 'b'] },
        { type: 'button', index: 0, values: ['no buttons'] },
      ],
    },
    'variables_mismatch',
  ],
  [{ ...valid(0), variables: 'John Doe' }, 'invalid_request'],
  [{ ...valid(0), variables: [{ type: 'body', values: 'John Doe' }] }, 'invalid_request'],
  [{ ...valid(0), variables: [{ type: 'footer', values: ['x'] }] }, 'invalid_request'],
  [{ ...valid(0), variables: [{ type: 'body', values: [{ nested: true }, 'b'] }] }, 'invalid_request'],
  [{ ...valid(0), client_reference: 'r'.repeat(257) }, 'invalid_request'],
  [{ ...valid(0), client_reference: 42 }, 'invalid_request'],
  [{ ...valid(0), expires_in: 0 }, 'invalid_request'],
  [{ ...valid(0), expires_in: 30 * 86_400 + 1 }, 'invalid_request'],
  [{ ...valid(0), expires_in: 1.5 }, 'invalid_request'],
  [{ ...valid(0), expires_in: '60' }, 'invalid_request'],
  [{ variables: valid(0).variables }, 'invalid_request'],
  [{ ...valid(0), phone_number: 919820388810 }, 'invalid_request'],
  [null, 'invalid_request'],
  ['919820388810', 'invalid_request'],
  [[valid(0)], 'invalid_request'],
];

describe('send-batch end to end: 10,000 messages, the batch status, the messages list, then meta-sim', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  let batch: {
    batch_id: string;
    accepted: number;
    rejected: { index: number; error: { code: string; message: string } }[];
    message_ids: (string | null)[];
  };
  const invalidAt = new Map<number, string>();
  const call = (path: string) => stack.call('GET', `/api/whatsapp/v1${path}`, { key: apiKey });

  beforeAll(async () => {
    stack = await startStack({
      worker: false,
      // The sweeper checks every queued row older than 15 s against Redis, 10,000 at a time:
      // with this file's backlog that is load of its own, and not what this file tests.
      env: { WORKER_CONCURRENCY: '64', SWEEP_INTERVAL_MS: '60000' },
      // Meta sends status webhooks in batches (up to 100 statuses a POST); so does meta-sim here.
      metaSim: { webhook: { batchWindowMs: 100 } },
    });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1000.00' }));
    // 1,000 messages per second on both sides, so Meta's limits are not what the send waits on.
    const [phone] = (await stack.admin.listPhoneNumbers(accountId)).phone_numbers;
    await stack.admin.updatePhoneNumber(phone!.id, { mps: 1000 });
    stack.sim.control.updatePhoneNumber(DEMO.metaPhoneNumberId, { mps: 1000 });
  });
  afterAll(() => stack?.close());

  it('accepts exactly the valid items and holds exactly their price, in one hold', async () => {
    const messages: unknown[] = Array.from({ length: SIZE }, (_, i) => valid(i));
    // 37 invalid items spread over the batch, each kind at least once.
    for (let k = 0; k < 37; k += 1) {
      const index = 13 + k * 269;
      const [item, code] = INVALID[k % INVALID.length]!;
      messages[index] = item;
      invalidAt.set(index, code);
    }
    // Duplicate client_references are the caller's business.
    (messages[1] as { client_reference: string }).client_reference = 'order-0';
    const before = await stack.admin.wallet(accountId);

    const response = await stack.call('POST', BATCH, {
      key: apiKey,
      body: { phone_number_id: DEMO.metaPhoneNumberId, template_id: orderUpdate.id, messages },
    });
    expect(response.status, JSON.stringify(response.body).slice(0, 2000)).toBe(200);
    batch = response.body;
    expect(batch.batch_id).toMatch(/^bat_[0-9a-z]{26}$/);
    expect(batch.accepted).toBe(SIZE - 37);
    expect(batch.rejected.map((r) => [r.index, r.error.code])).toEqual([...invalidAt.entries()]);
    for (const rejected of batch.rejected)
      expect(rejected.error.message).toMatch(new RegExp(`^messages\\[${rejected.index}\\]`));
    expect(batch.message_ids).toHaveLength(SIZE);
    batch.message_ids.forEach((id, index) =>
      invalidAt.has(index) ? expect(id).toBeNull() : expect(id).toMatch(/^msg_/),
    );
    expect(new Set(batch.message_ids.filter(Boolean)).size).toBe(SIZE - 37);

    // One hold for exactly the accepted messages: 9,963 × 0.10.
    const after = await stack.admin.wallet(accountId);
    expect(after.held).toBe('996.30');
    expect(Number(before.available) - Number(after.available)).toBeCloseTo(996.3, 2);
    const ledger = await sql<{ holds: number; total: number }>`
      select count(*)::int as holds, sum(amount_minor)::int as total from ledger_entries
      where account_id = ${accountId} and kind = 'hold'`.execute(stack.api.ctx.db);
    expect(ledger.rows[0]).toEqual({ holds: SIZE - 37, total: 99_630 });

    const status = await call(`/batches/${batch.batch_id}`);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({
      success: true,
      batch_id: batch.batch_id,
      created_at: expect.any(String),
      phone_number_id: DEMO.metaPhoneNumberId,
      template: { id: orderUpdate.id, name: 'order_update', language: 'en_US' },
      priority: 'utility',
      accepted: SIZE - 37,
      rejected: 37,
      counts: { queued: SIZE - 37, sent: 0, delivered: 0, read: 0, failed: 0 },
      charges: {
        currency: 'INR',
        held: '996.30',
        captured: '0.00',
        refunded: '0.00',
        released: '0.00',
        waived: '0.00',
      },
    });
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  }, 60_000);

  it('lists the batch page by page: every message once, newest first, no gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await call(`/messages?batch_id=${batch.batch_id}&limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status, JSON.stringify(page.body).slice(0, 500)).toBe(200);
      seen.push(...page.body.messages.map((m: { message_id: string }) => m.message_id));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(10);
    expect(seen).toHaveLength(SIZE - 37);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort().reverse());
    expect(new Set(seen)).toEqual(new Set(batch.message_ids.filter(Boolean)));
  });

  it('each filter narrows to exactly its messages, each shaped as message-status answers it', async () => {
    const id = batch.message_ids[42]!;
    const byPhone = await call(`/messages?phone_number=${encodeURIComponent('+91 98 0000-0042')}`);
    expect(byPhone.body.messages.map((m: { message_id: string }) => m.message_id)).toEqual([id]);
    const { success, ...single } = (await call(`/message-status/${id}`)).body;
    expect(success).toBe(true);
    expect(byPhone.body.messages[0]).toEqual(single);
    expect(byPhone.body.next_cursor).toBeNull();

    const duplicates = await call('/messages?client_reference=order-0');
    expect(duplicates.body.messages.map((m: { message_id: string }) => m.message_id)).toEqual([
      batch.message_ids[1],
      batch.message_ids[0],
    ]);

    const queued = await call(`/messages?status=queued&batch_id=${batch.batch_id}&limit=1`);
    expect(queued.body.messages.map((m: { message_id: string }) => m.message_id)).toEqual([
      batch.message_ids[SIZE - 1],
    ]);
    expect(queued.body.next_cursor).not.toBeNull();
    for (const other of ['sent', 'delivered', 'read', 'failed']) {
      expect((await call(`/messages?status=${other}&batch_id=${batch.batch_id}`)).body, other).toEqual({
        success: true,
        messages: [],
        next_cursor: null,
      });
    }

    // since is inclusive, until exclusive, both on queued_at.
    const queuedAt = new Date(single.timestamps.queued_at).getTime();
    const at = (ms: number) => new Date(ms).toISOString();
    const count = async (query: string) =>
      (await call(`/messages?batch_id=${batch.batch_id}&limit=1&${query}`)).body.messages.length;
    expect(await count(`since=${at(queuedAt)}`)).toBe(1);
    expect(await count(`since=${at(queuedAt + 1)}`)).toBe(0);
    expect(await count(`until=${at(queuedAt)}`)).toBe(0);
    expect(await count(`until=${at(queuedAt + 1)}`)).toBe(1);
    expect(await count(`since=${at(queuedAt - 60_000)}&until=${at(queuedAt + 60_000)}`)).toBe(1);

    // Another account sees none of it, by any filter.
    const other = await stack.admin.createAccount({ name: 'Other', waba_id: '555000333111' });
    const { key: otherKey } = await stack.admin.createApiKey(other.id, { name: 'other' });
    for (const query of [
      `batch_id=${batch.batch_id}`,
      'client_reference=order-0',
      `phone_number=${recipient(42)}`,
      '',
    ]) {
      const answer = await stack.call('GET', `/api/whatsapp/v1/messages?${query}`, { key: otherKey });
      expect(answer.body, query).toEqual({ success: true, messages: [], next_cursor: null });
    }
    expect(
      (await stack.call('GET', `/api/whatsapp/v1/batches/${batch.batch_id}`, { key: otherKey })).body,
    ).toMatchObject({
      success: false,
      error: { code: 'batch_not_found' },
    });
  });

  it('every accepted message is sent through meta-sim and read; the batch counts them and their charges', async () => {
    await stack.startWorker();
    const read = async () =>
      (
        await sql<{
          read: number;
        }>`select count(*)::int as read from messages where batch_id = ${batch.batch_id} and status = 'read'`.execute(
          stack.api.ctx.db,
        )
      ).rows[0]!.read;
    // The whole send path runs in this one process (worker, meta-sim, webhook receiver,
    // applier), at about 9 ms of CPU per message: minutes on a loaded machine.
    await waitFor(async () => (await read()) === SIZE - 37, {
      timeoutMs: 540_000,
      intervalMs: 500,
      what: 'every accepted message to be read',
    });

    await expectWalletInvariant(stack.api.ctx.db, accountId);
    expect(await stack.admin.wallet(accountId)).toMatchObject({ held: '0.00', captured: '996.30' });
    const status = await call(`/batches/${batch.batch_id}`);
    expect(status.body).toMatchObject({
      counts: { queued: 0, sent: 0, delivered: 0, read: SIZE - 37, failed: 0 },
      charges: {
        currency: 'INR',
        held: '0.00',
        captured: '996.30',
        refunded: '0.00',
        released: '0.00',
        waived: '0.00',
      },
    });
    const page = await call(`/messages?status=read&batch_id=${batch.batch_id}&limit=1`);
    expect(page.body.messages).toHaveLength(1);
    expect(page.body.messages[0]).toMatchObject({ status: 'read', charge: { state: 'captured' } });
    expect(page.body.next_cursor).not.toBeNull();
    expect((await call(`/messages?status=queued&batch_id=${batch.batch_id}`)).body).toEqual({
      success: true,
      messages: [],
      next_cursor: null,
    });
  }, 600_000);
});
