import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { sql } from '@dak/db';
import { DEMO, demoBusiness, expectWalletInvariant, seedAccount, startStack, type TestStack } from '@dak/dev-env';

const BATCH = '/api/whatsapp/v1/send-batch';
const orderUpdate = templateFixtures.order_update!;
const item = (i: number) => ({
  phone_number: `9197${String(i).padStart(8, '0')}`,
  variables: [{ type: 'body', values: [`Customer ${i}`, `ORD-${i}`] }],
});
const items = (n: number, from = 0) => Array.from({ length: n }, (_, i) => item(from + i));

describe('send-batch: what fails the whole batch, money all or nothing, idempotency, bad filters', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  /** A second business with a small wallet, for the money tests. */
  let small: { accountId: string; apiKey: string; metaPhoneNumberId: string };
  const batchOf = (messages: unknown[], extra: Record<string, unknown> = {}) => ({
    phone_number_id: DEMO.metaPhoneNumberId,
    template_id: orderUpdate.id,
    messages,
    ...extra,
  });
  const post = (body: unknown, options: { key?: string; headers?: Record<string, string> } = {}) =>
    stack.call('POST', BATCH, {
      key: options.key ?? apiKey,
      body,
      ...(options.headers ? { headers: options.headers } : {}),
    });
  const stored = async () => {
    const { rows } = await sql<{ messages: number; batches: number; holds: number }>`
      select (select count(*) from messages)::int as messages, (select count(*) from batches)::int as batches,
        (select count(*) from ledger_entries where kind = 'hold')::int as holds`.execute(stack.api.ctx.db);
    return rows[0]!;
  };

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '1000.00' }));
    // Meta ids are global: the second business's templates get ids of their own.
    const templates = [{ ...orderUpdate, id: undefined }] as unknown as ReturnType<typeof demoBusiness>['templates'];
    const business = demoBusiness(`${stack.accessToken}small`, {
      waba_id: '555000444111',
      name: 'Small Shop',
      phone_numbers: [{ phone_number_id: '555000444222', display_phone_number: '15550004444', mps: 80 }],
      templates,
    });
    // meta-sim keeps its own template type (it shares no code with Dak's template logic).
    stack.sim.control.addBusiness(business as unknown as Parameters<TestStack['sim']['control']['addBusiness']>[0]);
    const seeded = await seedAccount(stack.admin, business, { credit: '5.00' });
    small = { accountId: seeded.accountId, apiKey: seeded.apiKey!, metaPhoneNumberId: '555000444222' };
  });
  afterAll(() => stack?.close());

  it('what concerns the whole batch fails it as on send-message, and stores nothing', async () => {
    const before = await stored();
    const cases: [unknown, number, string][] = [
      [{ ...batchOf(items(2)), phone_number_id: '999000111' }, 404, 'phone_number_not_found'],
      [{ ...batchOf(items(2)), template_id: '999000111' }, 404, 'template_not_found'],
      [
        { ...batchOf(items(2)), template_id: undefined, template_name: 'order_update', template_language: 'pt_BR' },
        404,
        'template_not_found',
      ],
      [{ ...batchOf(items(2)), template_id: undefined, template_name: 'order_update' }, 400, 'invalid_request'],
      [{ ...batchOf(items(2)), priority: 'urgent' }, 400, 'invalid_request'],
      [{ ...batchOf(items(2)), priority: 'authentication' }, 422, 'priority_not_allowed'],
      [batchOf([]), 400, 'invalid_request'],
      [{ ...batchOf([]), messages: undefined }, 400, 'invalid_request'],
      [{ ...batchOf([]), messages: { 0: item(0) } }, 400, 'invalid_request'],
      [['not', 'an', 'object'], 400, 'invalid_request'],
    ];
    for (const [body, status, code] of cases) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body).slice(0, 200)).toBe(status);
      expect(response.body).toMatchObject({ success: false, error: { code, message: expect.any(String) } });
    }
    const empty = await post(batchOf([]));
    expect(empty.body.error.message).toMatch(/messages: must hold at least one message/);

    // A paused template (Meta paused it; Dak learnt it by a sync).
    stack.sim.control.setTemplateStatus(templateFixtures.payment_due!.id, { status: 'PAUSED' });
    await stack.admin.syncTemplates(accountId);
    const paused = await post({ ...batchOf(items(1)), template_id: templateFixtures.payment_due!.id });
    expect(paused.status).toBe(422);
    expect(paused.body.error.code).toBe('template_not_approved');

    // A key restricted to another of the account's numbers.
    await stack.admin.addPhoneNumber(accountId, {
      phone_number_id: '106540352242999',
      display_phone_number: '15550783999',
      access_token: 'EAAG-other',
    });
    const { key: restricted } = await stack.admin.createApiKey(accountId, {
      name: 'other number',
      phone_number_ids: ['106540352242999'],
    });
    const forbidden = await post(batchOf(items(2)), { key: restricted });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('phone_number_not_allowed');

    expect(await stored()).toEqual(before);
  });

  it('a batch of only invalid items is a 422 with each reason; over 10,000 items or 8 MB is a 413; nothing is stored', async () => {
    const before = await stored();
    const invalid = await post(
      batchOf([
        { ...item(0), phone_number: 'abc' },
        { ...item(1), variables: [] },
        { ...item(2), expires_in: -1 },
      ]),
    );
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.code).toBe('no_valid_messages');
    expect(
      invalid.body.error.details.rejected.map((r: { index: number; error: { code: string } }) => [
        r.index,
        r.error.code,
      ]),
    ).toEqual([
      [0, 'invalid_phone_number'],
      [1, 'variables_mismatch'],
      [2, 'invalid_request'],
    ]);
    expect(invalid.body.error.details.rejected[2].error.message).toMatch(/^messages\[2\]\.expires_in: /);

    const tooMany = await post(batchOf(items(10_001)));
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatchObject({
      code: 'batch_too_large',
      message: expect.stringMatching(/10001 messages.*at most 10000.*Split/),
    });

    // 5,000 messages with 1,700-character values: a body past 8 MB, refused before it is parsed.
    const long = 'x'.repeat(1_700);
    const huge = JSON.stringify(
      batchOf(
        Array.from({ length: 5_000 }, (_, i) => ({
          ...item(i),
          variables: [{ type: 'body', values: [long, `ORD-${i}`] }],
        })),
      ),
    );
    expect(huge.length).toBeGreaterThan(8 * 1024 * 1024);
    const tooBig = await stack.call('POST', BATCH, { key: apiKey, rawBody: huge });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatchObject({
      code: 'body_too_large',
      message: expect.stringMatching(/at most 8192 KB.*split it/i),
    });

    expect(await stored()).toEqual(before);
  });

  it('priority: the template category by default; a slower lane if asked; stored on the batch and its messages', async () => {
    const byDefault = await post(batchOf(items(2)));
    const slower = await post(batchOf(items(2, 2), { priority: 'marketing' }));
    expect([byDefault.status, slower.status]).toEqual([200, 200]);
    const lanes = await sql<{ id: string; priority: string; lanes: string[] }>`
      select b.id, b.priority, array_agg(distinct m.priority) as lanes from batches b join messages m on m.batch_id = b.id
      where b.id in (${byDefault.body.batch_id}, ${slower.body.batch_id}) group by b.id, b.priority`.execute(
      stack.api.ctx.db,
    );
    expect(Object.fromEntries(lanes.rows.map((r) => [r.id, [r.priority, r.lanes]]))).toEqual({
      [byDefault.body.batch_id]: ['utility', ['utility']],
      [slower.body.batch_id]: ['marketing', ['marketing']],
    });
    const single = await stack.call('POST', '/api/whatsapp/v1/send-message', {
      key: apiKey,
      body: { ...item(9), phone_number_id: DEMO.metaPhoneNumberId, template_id: orderUpdate.id },
    });
    const row = await stack.api.ctx.db
      .selectFrom('messages')
      .select(['priority', 'batch_id'])
      .where('id', '=', single.body.message_id)
      .executeTakeFirst();
    expect(row).toEqual({ priority: 'utility', batch_id: null });
  });

  it('a batch the wallet cannot cover is a 402 and stores nothing; one that fits exactly is accepted whole', async () => {
    const smallBatch = (n: number) => ({
      phone_number_id: small.metaPhoneNumberId,
      template_name: 'order_update',
      template_language: 'en_US',
      messages: items(n),
    });
    const before = await stored();
    const short = await post(smallBatch(51), { key: small.apiKey });
    expect(short.status).toBe(402);
    expect(short.body.error).toMatchObject({
      code: 'insufficient_funds',
      details: { required: '5.10', available: '5.00' },
    });
    expect(await stored()).toEqual(before);
    expect(await stack.admin.wallet(small.accountId)).toMatchObject({ available: '5.00', held: '0.00' });

    const exact = await post(smallBatch(50), { key: small.apiKey });
    expect(exact.status).toBe(200);
    expect(exact.body.accepted).toBe(50);
    expect(await stack.admin.wallet(small.accountId)).toMatchObject({ available: '0.00', held: '5.00' });
    await expectWalletInvariant(stack.api.ctx.db, small.accountId);
  });

  it('two batches and 64 single sends at once on a balance for some of them never overdraw', async () => {
    await stack.admin.topUp(small.accountId, { amount: '5.00', reference: 'race-1' });
    const walletBefore = await stack.admin.wallet(small.accountId);
    const smallBatch = (from: number) => ({
      phone_number_id: small.metaPhoneNumberId,
      template_name: 'order_update',
      template_language: 'en_US',
      messages: items(40, from),
    });
    const single = (i: number) =>
      stack.call('POST', '/api/whatsapp/v1/send-message', {
        key: small.apiKey,
        body: {
          ...item(1000 + i),
          phone_number_id: small.metaPhoneNumberId,
          template_name: 'order_update',
          template_language: 'en_US',
        },
      });
    // Asks for 2 × 4.00 + 64 × 0.10 = 14.40 against 5.00.
    const [first, second, ...singles] = await Promise.all([
      post(smallBatch(100), { key: small.apiKey }),
      post(smallBatch(200), { key: small.apiKey }),
      ...Array.from({ length: 64 }, (_, i) => single(i)),
    ]);
    for (const answer of [first!, second!, ...singles])
      expect([200, 402], JSON.stringify(answer.body)).toContain(answer.status);
    const accepted =
      [first!, second!].reduce((sum, b) => sum + (b.status === 200 ? b.body.accepted : 0), 0) +
      singles.filter((s) => s.status === 200).length;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(50);
    expect(singles.some((s) => s.status === 402) || [first!, second!].some((b) => b.status === 402)).toBe(true);

    const wallet = await stack.admin.wallet(small.accountId);
    const minor = (amount: string) => Math.round(Number(amount) * 100);
    expect(minor(wallet.held) - minor(walletBefore.held)).toBe(accepted * 10);
    expect(minor(walletBefore.available) - minor(wallet.available)).toBe(accepted * 10);
    expect(minor(wallet.available)).toBeGreaterThanOrEqual(0);
    const rows = await sql<{
      n: number;
    }>`select count(*)::int as n from messages where account_id = ${small.accountId}`.execute(stack.api.ctx.db);
    expect(rows.rows[0]!.n).toBe(50 + accepted);
    await expectWalletInvariant(stack.api.ctx.db, small.accountId);
  });

  it('an idempotent batch replayed returns the same batch and ids and stores nothing new; another body is a 409', async () => {
    const body = batchOf([...items(3, 500), { phone_number: 'bad' }]);
    const headers = { 'Idempotency-Key': 'sale-2026-03-14' };
    const [first, ...concurrent] = await Promise.all(Array.from({ length: 4 }, () => post(body, { headers })));
    expect([first!, ...concurrent].map((a) => a.status)).toEqual([200, 200, 200, 200]);
    for (const answer of concurrent) expect(answer.body).toEqual(first!.body);
    const after = await stored();
    const walletAfter = await stack.admin.wallet(accountId);

    const replay = await post(body, { headers });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first!.body);
    expect(replay.body.message_ids).toEqual([
      expect.stringMatching(/^msg_/),
      expect.stringMatching(/^msg_/),
      expect.stringMatching(/^msg_/),
      null,
    ]);
    expect(await stored()).toEqual(after);
    expect(await stack.admin.wallet(accountId)).toEqual(walletAfter);
    const batchRows = await stack.api.ctx.db
      .selectFrom('batches')
      .select(['id', 'idempotency_key'])
      .where('idempotency_key', '=', 'sale-2026-03-14')
      .execute();
    expect(batchRows).toEqual([{ id: first!.body.batch_id, idempotency_key: 'sale-2026-03-14' }]);

    const other = await post(batchOf(items(3, 600)), { headers });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('idempotency_key_reused');
    expect(await stored()).toEqual(after);
  });

  it('an unknown batch is a 404; a bad filter on the messages list is a 400 naming it', async () => {
    const unknown = await stack.call('GET', '/api/whatsapp/v1/batches/bat_01jq8z6k2r9v4t3n5b7c8d9e0f', { key: apiKey });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'batch_not_found', message: expect.stringMatching(/send-batch/) });

    const cases: [string, RegExp][] = [
      ['status=bogus', /status: must be one of queued, sent, failed, delivered, read/],
      ['status=read&status=sent', /status: must be one of/],
      ['phone_number=abc', /phone_number: not a plausible phone number/],
      ['since=yesterday', /since: an ISO 8601 time/],
      ['until=1969-12-31T23:59:59Z', /until: an ISO 8601 time with a zone, 1970 or later/],
      ['since=2026-03-14T10:00:00Z&until=2026-03-14T09:00:00Z', /until: must be later than since/],
      ['limit=0', /limit: at least 1/],
      ['limit=1001', /limit: at most 1000/],
      ['limit=ten', /limit: a whole number from 1 to 1000/],
      ['cursor=not-a-cursor', /cursor: not a cursor from this endpoint/],
      ['stauts=read', /unknown parameter "stauts"/],
      ['client_reference=', /client_reference: must not be empty/],
    ];
    for (const [query, message] of cases) {
      const response = await stack.call('GET', `/api/whatsapp/v1/messages?${query}`, { key: apiKey });
      expect(response.status, query).toBe(400);
      expect(response.body.error, query).toMatchObject({
        code: 'invalid_request',
        message: expect.stringMatching(message),
      });
    }
  });
});
