import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import {
  announced,
  DEMO,
  messageStatus,
  orderUpdateRequest,
  sendAccepted,
  startStack,
  waitForMessage,
  type TestStack,
} from '@dak/dev-env';
import { accountSchema } from '../src/resources/accounts/schema';
import { phoneNumberSchema } from '../src/resources/phone-numbers/schema';
import { ledgerPageSchema } from '../src/resources/wallet/schema';

describe('admin: prices, phone numbers, token rotation and the ledger', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  let phoneId: string;
  const festiveOffer = templateFixtures.festive_offer!;

  /** An admin call whose failure is part of the test: status and body, no throw. */
  const admin = async (method: string, path: string, body?: unknown) =>
    stack.call(method, `/admin/v1${path}`, { key: stack.adminToken, ...(body !== undefined ? { body } : {}) });
  /** An admin change of the account, answered once the API's caches have heard of it. */
  const patchAccount = (body: unknown) =>
    announced(stack.api.ctx.changes, 'accounts', accountId, () => admin('PATCH', `/accounts/${accountId}`, body));
  const chargeOf = async (id: string) => (await messageStatus(stack, apiKey, id)).charge.amount as string;
  /** The answer parses with its documented schema and has no undocumented field. */
  const expectDocumented = (schema: { parse(value: unknown): unknown }, body: unknown) =>
    expect(schema.parse(body)).toEqual(body);
  /** festive_offer is a MARKETING template; its ready-made variables come from Meta's examples. */
  const sendMarketing = async () => {
    const described = await stack.call('GET', `/api/whatsapp/v1/get-template-by-id/${festiveOffer.id}`, {
      key: apiKey,
    });
    return sendAccepted(stack, apiKey, {
      ...orderUpdateRequest(),
      template_id: festiveOffer.id,
      variables: described.body.variables,
    });
  };

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '10.00' }));
    phoneId = (await stack.admin.listPhoneNumbers(accountId)).phone_numbers[0]!.id;
  });
  afterAll(() => stack?.close());

  it('a new price is held for the next send; messages already accepted keep theirs', async () => {
    const before = await sendAccepted(stack, apiKey);
    const patched = await patchAccount({ price: '0.25', name: 'Demo Store (renamed)' });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      id: accountId,
      name: 'Demo Store (renamed)',
      price: '0.25',
      category_prices: {},
    });
    expectDocumented(accountSchema, patched.body);

    const after = await sendAccepted(stack, apiKey);
    expect(await chargeOf(before)).toBe('0.10');
    expect(await chargeOf(after)).toBe('0.25');
    expect(await stack.admin.wallet(accountId)).toMatchObject({ held: '0.35', available: '9.65' });
  });

  it('a category price beats the default; replacing the map with {} removes it', async () => {
    const patched = await patchAccount({ category_prices: { MARKETING: '0.40' } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ price: '0.25', category_prices: { MARKETING: '0.40' } });

    expect(await chargeOf(await sendMarketing())).toBe('0.40');
    expect(await chargeOf(await sendAccepted(stack, apiKey))).toBe('0.25');

    expect((await patchAccount({ category_prices: {} })).body.category_prices).toEqual({});
    expect(await chargeOf(await sendMarketing())).toBe('0.25');
    expect(await stack.admin.wallet(accountId)).toMatchObject({ held: '1.25', available: '8.75' });
  });

  it('the ledger lists holds and the top-up newest first, a page at a time', async () => {
    const pages: any[] = [];
    let before: number | null | undefined;
    do {
      const page = await admin(
        'GET',
        `/accounts/${accountId}/wallet/ledger?limit=2${before ? `&before=${before}` : ''}`,
      );
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      expect(page.body.entries.length).toBeLessThanOrEqual(2);
      pages.push(page.body);
      before = page.body.next_before;
    } while (before !== null);

    const entries = pages.flatMap((page) => page.entries);
    expect(pages).toHaveLength(3);
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ['hold', '0.25'],
      ['hold', '0.25'],
      ['hold', '0.40'],
      ['hold', '0.25'],
      ['hold', '0.10'],
      ['topup', '10.00'],
    ]);
    const ids = entries.map((e) => e.id as number);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(entries.at(-1)).toMatchObject({ kind: 'topup', reference: `seed-${DEMO.wabaId}`, message_id: null });
    expect(entries[0].message_id).toMatch(/^msg_/);

    const all = await admin('GET', `/accounts/${accountId}/wallet/ledger`);
    expect(all.body).toEqual({ entries, next_before: null });
    expectDocumented(ledgerPageSchema, all.body);
  });

  it('bad input is a 400 that says what to fix', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['PATCH', `/accounts/${accountId}`, {}, /nothing to change: give at least one of name, price, category_prices/],
      [
        'PATCH',
        `/accounts/${accountId}`,
        { price: '0.123' },
        /price: price must be a decimal string with at most 2 decimals/,
      ],
      ['PATCH', `/accounts/${accountId}`, { price: -1 }, /price: .*expected string/],
      ['PATCH', `/accounts/${accountId}`, { category_prices: { PROMO: '1.00' } }, /category_prices/],
      ['PATCH', `/accounts/${accountId}`, { name: '   ' }, /name: /],
      [
        'PATCH',
        `/phone-numbers/${phoneId}`,
        {},
        /nothing to change: give at least one of display_phone_number, access_token, mps/,
      ],
      ['PATCH', `/phone-numbers/${phoneId}`, { mps: 0 }, /mps: /],
      ['PATCH', `/phone-numbers/${phoneId}`, { mps: 'fast' }, /mps: .*expected number/],
      ['PATCH', `/phone-numbers/${phoneId}`, { access_token: 'short' }, /access_token: the access token Meta issued/],
      ['GET', `/accounts/${accountId}/wallet/ledger?limit=0`, undefined, /Invalid query: limit: /],
      ['GET', `/accounts/${accountId}/wallet/ledger?limit=ten`, undefined, /Invalid query: limit: /],
      ['GET', `/accounts/${accountId}/wallet/ledger?before=-5`, undefined, /before must be an entry id/],
      // Amounts are capped far below 2^53 paise, so int8 money read as a JS number stays exact.
      ['PATCH', `/accounts/${accountId}`, { price: '10000.01' }, /price: price must be at most 10000\.00/],
      [
        'PATCH',
        `/accounts/${accountId}`,
        { category_prices: { UTILITY: '99999999.00' } },
        /each category price must be at most 10000\.00/,
      ],
      [
        'POST',
        `/accounts/${accountId}/wallet/topups`,
        { amount: '12345678901234567', reference: 'huge' },
        /amount must be at most 1000000000\.00/,
      ],
      [
        'POST',
        `/accounts/${accountId}/wallet/topups`,
        { amount: '1000000000.01', reference: 'huge' },
        /amount must be at most 1000000000\.00/,
      ],
    ];
    for (const [method, path, body, message] of cases) {
      const response = await admin(method, path, body);
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(response.body.error.message, JSON.stringify(body)).toMatch(message);
    }
    expect((await stack.admin.call<any>('GET', `/accounts/${accountId}`)).price).toBe('0.25');
  });

  it('unknown ids are a 404', async () => {
    const cases: [string, string, unknown, string][] = [
      ['PATCH', '/accounts/acc_missing', { price: '1.00' }, 'account_not_found'],
      ['GET', '/accounts/acc_missing/wallet/ledger', undefined, 'account_not_found'],
      ['PATCH', '/phone-numbers/pn_missing', { mps: 10 }, 'phone_number_not_found'],
      ['PATCH', '/phone-numbers/999999999999', { mps: 10 }, 'phone_number_not_found'],
    ];
    for (const [method, path, body, code] of cases) {
      const response = await admin(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error.code).toBe(code);
    }
  });

  it("changes a number's mps and display number, by its id or its Meta phone_number_id", async () => {
    const byId = await admin('PATCH', `/phone-numbers/${phoneId}`, { mps: 250 });
    expect(byId.status, JSON.stringify(byId.body)).toBe(200);
    expect(byId.body).toMatchObject({ id: phoneId, phone_number_id: DEMO.metaPhoneNumberId, mps: 250 });
    expectDocumented(phoneNumberSchema, byId.body);
    const byMetaId = await admin('PATCH', `/phone-numbers/${DEMO.metaPhoneNumberId}`, {
      display_phone_number: '+1 555 078 3881',
    });
    expect(byMetaId.body).toMatchObject({ id: phoneId, display_phone_number: '+1 555 078 3881', mps: 250 });
    expect((await stack.admin.listPhoneNumbers(accountId)).phone_numbers[0]).toMatchObject({ mps: 250 });
  });

  it('a rotated token is stored encrypted and the worker sends with it', async () => {
    const newToken = `EAAG${randomBytes(24).toString('hex')}`;
    // Meta issues a new token for the business (its numbers and templates stay): the old one is refused from now on.
    stack.sim.control.addBusiness({ waba_id: DEMO.wabaId, access_token: newToken });
    const refused = await admin('POST', `/accounts/${accountId}/templates/sync`);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('meta_refused');
    const queued = await sendAccepted(stack, apiKey);

    const rotated = await admin('PATCH', `/phone-numbers/${phoneId}`, { access_token: newToken });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(JSON.stringify(rotated.body)).not.toContain(newToken);
    expect(rotated.body).not.toHaveProperty('access_token');
    const row = await stack.api.ctx.db
      .selectFrom('phone_numbers')
      .select('access_token_encrypted')
      .where('id', '=', phoneId)
      .executeTakeFirstOrThrow();
    expect(row.access_token_encrypted).not.toContain(newToken);
    expect(row.access_token_encrypted).not.toContain(newToken.slice(4, 20));

    expect((await admin('POST', `/accounts/${accountId}/templates/sync`)).status).toBe(200);
    await stack.startWorker();
    await waitForMessage(stack, apiKey, queued, (body) => body.wamid !== null && body.status !== 'queued');
    const sends = stack.sim.control.requests({ route: 'messages', phoneNumberId: DEMO.metaPhoneNumberId });
    expect(sends.length).toBeGreaterThan(0);
    expect(sends.map((request) => request.headers.authorization)).toEqual(sends.map(() => `Bearer ${newToken}`));
    expect((await messageStatus(stack, apiKey, queued)).error).toBeNull();
  });
});
