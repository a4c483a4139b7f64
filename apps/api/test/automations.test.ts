import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateEvent, evaluateStaleEvents } from '@dak/api';
import { findAutomationById, findWallet } from '@dak/db';
import { loggedPath } from '@dak/http';
import { DEMO, expectWalletInvariant, startStack, type TestStack } from '@dak/dev-env';

// Automations end to end on the API's HTTP server, a real Postgres and Redis: a Shopify
// orders/create webhook, signed as Shopify signs it, becomes the template send it maps to, with
// its hold; redeliveries (one after another, or at once) send nothing more; what does not send
// is recorded with its reason; a dry-run holds nothing; bad credentials store nothing.

// As Shopify sends it: the file's bytes are the body, signed as they are (not re-serialised).
const ORDER_RAW = readFileSync(new URL('./fixtures/shopify-orders-create.json', import.meta.url), 'utf8');
const ORDER = JSON.parse(ORDER_RAW);
const SHOPIFY_SECRET = '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';
const ORDER_UPDATE = '1284751902651784'; // "Hi {{1}}, your order {{2}} is on its way."

/** Shopify's X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body with the app's secret. */
const shopifySignature = (raw: string, secret = SHOPIFY_SECRET) =>
  createHmac('sha256', secret).update(raw, 'utf8').digest('base64');

const SHOPIFY_AUTOMATION = {
  name: 'Order confirmation',
  phone_number_id: DEMO.metaPhoneNumberId,
  template_id: ORDER_UPDATE,
  recipient: ['$.customer.phone', '$.shipping_address.phone'],
  variables: [{ type: 'body', values: [{ path: '$.customer.first_name', format: 'first_word' }, '$.name'] }],
  condition: { path: '$.financial_status', in: ['paid', 'pending'] },
  dedupe: '$.id',
  verify: { kind: 'hmac_sha256_base64', header: 'X-Shopify-Hmac-Sha256', secret: SHOPIFY_SECRET },
};

function order(changes: Record<string, unknown> = {}) {
  return { ...structuredClone(ORDER), ...changes };
}

describe('automations', () => {
  let stack: TestStack;
  let key: string;
  let accountId: string;
  let automation: { id: string; url: string };

  /** POSTs a body to a hook URL (as the automation answered it) on the test's API server. */
  async function hook(url: string, raw: string, headers: Record<string, string> = {}) {
    const path = new URL(url).pathname;
    return stack.call('POST', path, { rawBody: raw, headers: { 'content-type': 'application/json', ...headers } });
  }

  /** What Shopify sends: the order as JSON (a string is sent byte for byte), signed. */
  function shopify(body: unknown, url = automation.url) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    return hook(url, raw, {
      'X-Shopify-Hmac-Sha256': shopifySignature(raw),
      'X-Shopify-Topic': 'orders/create',
      'X-Shopify-Shop-Domain': 'kirana-cart.myshopify.com',
      'X-Shopify-Webhook-Id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
    });
  }

  const messagesOf = () =>
    stack.api.ctx.db.selectFrom('messages').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
  const eventsOf = (automationId = automation.id) =>
    stack.api.ctx.db
      .selectFrom('automation_events')
      .selectAll()
      .where('automation_id', '=', automationId)
      .orderBy('id')
      .execute();
  const held = async () => (await findWallet(stack.api.ctx.db, accountId))!.held;

  beforeAll(async () => {
    // Without the API's periodic recovery (every 5 s): it could claim the stale event that
    // "evaluates an event its process stored but never evaluated" inserts before the test's own
    // evaluateStaleEvents does, leaving that call nothing to claim.
    stack = await startStack({ worker: false, automationRecovery: false });
    const seeded = await stack.seedDemo({ credit: '100.00' });
    key = seeded.apiKey;
    accountId = seeded.accountId;
    const created = await stack.call('POST', '/api/whatsapp/v1/automations', { key, body: SHOPIFY_AUTOMATION });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    automation = created.body;
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('answers the hook URL once, with an unguessable token, and never shows the token or secret again', async () => {
    expect(automation.id).toMatch(/^aut_[0-9a-z]{26}$/);
    expect(automation.url).toMatch(
      new RegExp(`^${stack.config.publicUrl}/hooks/${automation.id}/hk_[A-Za-z0-9_-]{32}$`),
    );
    const shown = await stack.call('GET', `/api/whatsapp/v1/automations/${automation.id}`, { key });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      id: automation.id,
      phone_number_id: DEMO.metaPhoneNumberId,
      template_id: ORDER_UPDATE,
      dedupe: '$.id',
      verify: { kind: 'hmac_sha256_base64', header: 'x-shopify-hmac-sha256' },
      enabled: true,
    });
    const listed = JSON.stringify((await stack.call('GET', '/api/whatsapp/v1/automations', { key })).body);
    const token = automation.url.split('/').at(-1)!;
    for (const secret of [token, SHOPIFY_SECRET]) {
      expect(JSON.stringify(shown.body)).not.toContain(secret);
      expect(listed).not.toContain(secret);
    }
    // Logs show the path without the token, whether Express has stripped the mount point or not.
    const path = new URL(automation.url).pathname;
    expect(loggedPath(`${path}?x=1`)).toBe(`/hooks/${automation.id}/[redacted]`);
    expect(loggedPath(path.replace('/hooks', ''))).toBe(`/${automation.id}/[redacted]`);
    const row = await stack.api.ctx.db
      .selectFrom('automations')
      .selectAll()
      .where('id', '=', automation.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token);
    expect(JSON.stringify(row)).not.toContain(SHOPIFY_SECRET);
  });

  it('dry-runs the order: the message it would send, with no hold, no event and no message', async () => {
    const before = await held();
    const answer = await stack.call('POST', `/api/whatsapp/v1/automations/${automation.id}/dry-run`, {
      key,
      body: ORDER,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({
      would_send: true,
      outcome: 'sent',
      reason: null,
      dedupe_value: String(ORDER.id),
      message: {
        phone_number_id: DEMO.metaPhoneNumberId,
        phone_number: '919820388810',
        template: { id: ORDER_UPDATE, name: 'order_update', language: 'en_US' },
        variables: [{ type: 'body', values: ['Asha', '#1001'] }],
        body_text: 'Hi Asha, your order #1001 is on its way.',
        price: '0.10',
        currency: 'INR',
      },
    });
    expect(await held()).toBe(before);
    expect(await eventsOf()).toHaveLength(0);
    expect(await messagesOf()).toHaveLength(0);
  });

  it('turns a signed Shopify orders/create into the template send, held, and stores the event first', async () => {
    const answer = await shopify(ORDER_RAW);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ received: true, outcome: 'sent', reason: null });
    expect(answer.body.event_id).toMatch(/^aev_/);
    const [message, ...others] = await messagesOf();
    expect(others).toHaveLength(0);
    expect(message).toMatchObject({
      id: answer.body.message_id,
      recipient: '919820388810',
      template_id: ORDER_UPDATE,
      template_name: 'order_update',
      status: 'queued',
      charge_state: 'held',
      price_minor: 10,
      client_reference: answer.body.event_id,
      variables: [{ type: 'body', values: ['Asha', '#1001'] }],
    });
    expect(message!.components).toEqual([
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Asha' },
          { type: 'text', text: '#1001' },
        ],
      },
    ]);
    expect(await held()).toBe(10);
    const [event] = await eventsOf();
    expect(event).toMatchObject({
      id: answer.body.event_id,
      outcome: 'sent',
      message_id: message!.id,
      dedupe_value: String(ORDER.id),
      payload: ORDER,
      body_text: null,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'kirana-cart.myshopify.com',
      },
    });
    expect(Object.keys(event!.headers)).not.toContain('x-shopify-hmac-sha256');
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('sends nothing more when Shopify redelivers the same order', async () => {
    const answer = await shopify(ORDER);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'skipped', reason: 'duplicate', message_id: null });
    expect(await messagesOf()).toHaveLength(1);
    expect(await held()).toBe(10);
    const dryRun = await stack.call('POST', `/api/whatsapp/v1/automations/${automation.id}/dry-run`, {
      key,
      body: ORDER,
    });
    expect(dryRun.body).toMatchObject({ would_send: false, outcome: 'skipped', reason: 'duplicate', message: null });
  });

  it('sends once when the same order arrives several times at once', async () => {
    const before = (await messagesOf()).length;
    const again = order({ id: 5731828113571, name: '#1002' });
    const answers = await Promise.all(Array.from({ length: 6 }, () => shopify(again)));
    const outcomes = answers.map((a) => `${a.status} ${a.body.outcome} ${a.body.reason}`).sort();
    expect(outcomes).toEqual(['200 sent null', ...Array(5).fill('200 skipped duplicate')]);
    const messages = await messagesOf();
    expect(messages).toHaveLength(before + 1);
    expect(messages.at(-1)!.variables).toEqual([{ type: 'body', values: ['Asha', '#1002'] }]);
    expect(await held()).toBe(20);
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('sends once when two stored events of one order are evaluated at the same moment (the dedupe index decides)', async () => {
    const before = (await messagesOf()).length;
    const payload = JSON.stringify(order({ id: 5731828113580, name: '#1010' }));
    const rows = await stack.api.ctx.db
      .insertInto('automation_events')
      .values(
        ['aev_0000000000bbbbbbbbbbbbbbbb', 'aev_0000000000cccccccccccccccc'].map((id) => ({
          id,
          automation_id: automation.id,
          account_id: accountId,
          payload,
          outcome: 'pending' as const,
        })),
      )
      .returningAll()
      .execute();
    const found = await findAutomationById(stack.api.ctx.db, automation.id);
    // Both pass the "already sent?" check before either commits; the index stops the second.
    const results = await Promise.all(rows.map((row) => evaluateEvent(stack.api.ctx, found!, row)));
    expect(results.map((r) => `${r.outcome} ${r.reason}`).sort()).toEqual(['sent null', 'skipped duplicate']);
    const loser = (await eventsOf()).find((e) => rows.some((r) => r.id === e.id) && e.outcome === 'skipped')!;
    expect(loser.reason_message).toContain('through a concurrent delivery');
    expect(await messagesOf()).toHaveLength(before + 1);
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('records field_missing, naming the paths, for an order without a phone number, and sends nothing', async () => {
    const before = (await messagesOf()).length;
    const noPhone = order({ id: 5731828113572, name: '#1003' });
    noPhone.customer.phone = null;
    delete noPhone.shipping_address.phone;
    const answer = await shopify(noPhone);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outcome: 'failed', reason: 'field_missing' });
    const event = (await eventsOf()).find((e) => e.id === answer.body.event_id)!;
    expect(event.reason_message).toContain('$.customer.phone or $.shipping_address.phone');
    expect(event.message_id).toBeNull();
    expect(await messagesOf()).toHaveLength(before);
  });

  it('records condition_false, invalid_phone_number and insufficient_funds without sending', async () => {
    const before = (await messagesOf()).length;
    const refunded = await shopify(order({ id: 5731828113573, financial_status: 'refunded' }));
    expect(refunded.body).toMatchObject({ outcome: 'skipped', reason: 'condition_false' });

    const badNumber = order({ id: 5731828113574 });
    badNumber.customer.phone = '12345';
    expect((await shopify(badNumber)).body).toMatchObject({ outcome: 'failed', reason: 'invalid_phone_number' });

    await stack.admin.updateAccount(accountId, { price: '10000.00' });
    try {
      const poor = await shopify(order({ id: 5731828113575, name: '#1006' }));
      expect(poor.body).toMatchObject({ outcome: 'failed', reason: 'insufficient_funds' });
      const event = (await eventsOf()).find((e) => e.id === poor.body.event_id)!;
      expect(event.reason_message).toContain('Not enough credit');
      // The same order once the wallet covers it: a failed event is no duplicate.
      await stack.admin.updateAccount(accountId, { price: '0.10' });
      expect((await shopify(order({ id: 5731828113575, name: '#1006' }))).body).toMatchObject({ outcome: 'sent' });
    } finally {
      await stack.admin.updateAccount(accountId, { price: '0.10' });
    }
    expect(await messagesOf()).toHaveLength(before + 1);
    await expectWalletInvariant(stack.api.ctx.db, accountId);
  });

  it('answers 401 and stores nothing for a wrong token, a wrong id or a bad signature', async () => {
    const before = (await eventsOf()).length;
    const raw = JSON.stringify(order({ id: 5731828113576 }));
    const signed = { 'X-Shopify-Hmac-Sha256': shopifySignature(raw) };
    const wrongToken = automation.url.replace(/hk_[^/]+$/, 'hk_' + 'A'.repeat(32));
    const wrongId = automation.url.replace(automation.id, 'aut_00000000000000000000000000');
    for (const url of [wrongToken, wrongId]) {
      const answer = await hook(url, raw, signed);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_hook_token');
    }
    for (const headers of [
      { 'X-Shopify-Hmac-Sha256': shopifySignature(raw, 'another-secret') } as Record<string, string>,
      { 'X-Shopify-Hmac-Sha256': shopifySignature(raw + ' ') },
      {},
    ]) {
      const answer = await hook(automation.url, raw, headers);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_hook_signature');
    }
    expect(await eventsOf()).toHaveLength(before);
  });

  it('answers 400 for a body that is not JSON, and stores it as invalid for inspection', async () => {
    const raw = 'order_id=1001&phone=919820388810';
    const answer = await hook(automation.url, raw, {
      'content-type': 'application/x-www-form-urlencoded',
      'X-Shopify-Hmac-Sha256': shopifySignature(raw),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('malformed_json');
    const event = (await eventsOf()).find((e) => e.id === answer.body.error.details.event_id)!;
    expect(event).toMatchObject({
      outcome: 'invalid',
      reason: 'not_json',
      body_text: raw,
      payload: null,
      content_type: 'application/x-www-form-urlencoded',
    });
  });

  it('stores a signed order whose text holds half an emoji, as it came but storable, and evaluates it', async () => {
    // A store cut "😀" in two: JSON takes the lone surrogate, Postgres would not.
    const raw = JSON.stringify(order({ id: 820982911946159, note: 'x' })).replace('"note":"x"', '"note":"a\\ud83d"');
    expect(raw).toContain('\\ud83d');
    const answer = await shopify(raw);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const event = (await eventsOf()).find((e) => e.id === answer.body.event_id)!;
    expect((event.payload as { note: string }).note).toBe('a\uFFFD');
    expect(event.outcome).not.toBe('pending');
  });

  it('refuses at creation variables that do not fit the template, naming the placeholders, and bad paths', async () => {
    const mismatch = await stack.call('POST', '/api/whatsapp/v1/automations', {
      key,
      body: { ...SHOPIFY_AUTOMATION, variables: [{ type: 'body', values: ['$.customer.first_name'] }] },
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.code).toBe('variables_mismatch');
    expect(mismatch.body.error.message).toContain('body expects 2 values ({{1}}, {{2}}), got 1');
    expect(mismatch.body.error.details.errors[0]).toMatchObject({ component: 'body', placeholder: '{{2}}' });

    const badPath = await stack.call('POST', '/api/whatsapp/v1/automations', {
      key,
      body: { ...SHOPIFY_AUTOMATION, dedupe: '$.line_items[?(@.price > 100)].id' },
    });
    expect(badPath.status).toBe(400);
    expect(badPath.body.error.code).toBe('invalid_request');
    expect(badPath.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'dedupe', message: expect.stringContaining('filter or script') }),
    ]);
    // The same inside quotes: jsonpath-plus would read them as expressions too.
    for (const dedupe of ["$['?(@.x)']", "$['(@.length-1)']"]) {
      const quoted = await stack.call('POST', '/api/whatsapp/v1/automations', {
        key,
        body: { ...SHOPIFY_AUTOMATION, dedupe },
      });
      expect(quoted.status).toBe(400);
      expect(quoted.body.error.details.issues).toEqual([
        expect.objectContaining({ path: 'dedupe', message: expect.stringContaining('filter or script') }),
      ]);
    }

    const unknownTemplate = await stack.call('POST', '/api/whatsapp/v1/automations', {
      key,
      body: { ...SHOPIFY_AUTOMATION, template_id: '999' },
    });
    expect(unknownTemplate.status).toBe(404);
    expect(unknownTemplate.body.error.code).toBe('template_not_found');
    const names = (await stack.call('GET', '/api/whatsapp/v1/automations', { key })).body.automations.length;
    expect(names).toBe(1);
  });

  it('lists events newest first, page by page', async () => {
    const all = (await eventsOf()).map((e) => e.id).reverse();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const page = await stack.call('GET', `/api/whatsapp/v1/automations/${automation.id}/events${query}`, { key });
      expect(page.status).toBe(200);
      seen.push(...page.body.events.map((e: { id: string }) => e.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all);
    const first = (await stack.call('GET', `/api/whatsapp/v1/automations/${automation.id}/events?limit=1`, { key }))
      .body;
    expect(first.events[0]).toMatchObject({ id: all[0], outcome: expect.any(String), received_at: expect.any(String) });
  });

  it('evaluates an event its process stored but never evaluated', async () => {
    const stored = await stack.api.ctx.db
      .insertInto('automation_events')
      .values({
        id: 'aev_0000000000aaaaaaaaaaaaaaaa',
        automation_id: automation.id,
        account_id: accountId,
        received_at: new Date(Date.now() - 60_000),
        payload: JSON.stringify(order({ id: 5731828113577, name: '#1008' })),
        outcome: 'pending',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(await evaluateStaleEvents(stack.api.ctx)).toBeGreaterThanOrEqual(1);
    const event = (await eventsOf()).find((e) => e.id === stored.id)!;
    expect(event.outcome).toBe('sent');
    const message = (await messagesOf()).find((m) => m.id === event.message_id)!;
    expect(message.variables).toEqual([{ type: 'body', values: ['Asha', '#1008'] }]);
  });

  it('stores but does not send while disabled', async () => {
    const disabled = await stack.call('PATCH', `/api/whatsapp/v1/automations/${automation.id}`, {
      key,
      body: { enabled: false },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body.enabled).toBe(false);
    const answer = await shopify(order({ id: 5731828113578 }));
    expect(answer.body).toMatchObject({ outcome: 'skipped', reason: 'automation_disabled' });
    await stack.call('PATCH', `/api/whatsapp/v1/automations/${automation.id}`, { key, body: { enabled: true } });
  });

  it('verifies Razorpay-style hex signatures and plain token headers, and formats amounts and dates', async () => {
    const razorpay = await stack.call('POST', '/api/whatsapp/v1/automations', {
      key,
      body: {
        name: 'Payment received',
        phone_number_id: DEMO.metaPhoneNumberId,
        template_name: 'payment_due',
        template_language: 'en_US',
        recipient: '$.payload.payment.entity.contact',
        variables: [
          {
            type: 'body',
            values: [
              { path: '$.payload.payment.entity.notes.name', format: 'first_word' },
              { path: '$.payload.payment.entity.amount', format: 'currency_minor' },
              { path: '$.payload.payment.entity.created_at', format: 'date' },
            ],
          },
        ],
        condition: { path: '$.event', equals: 'payment.captured' },
        dedupe: '$.payload.payment.entity.id',
        verify: { kind: 'hmac_sha256_hex', header: 'X-Razorpay-Signature', secret: 'rzp_webhook_secret_1' },
      },
    });
    expect(razorpay.status, JSON.stringify(razorpay.body)).toBe(201);
    const payment = JSON.stringify({
      entity: 'event',
      event: 'payment.captured',
      payload: {
        payment: {
          entity: {
            id: 'pay_PZ1xq9cTq3oX2b',
            amount: 149900,
            currency: 'INR',
            contact: '+919820388810',
            created_at: 1764581400,
            notes: { name: 'Kabir Shah' },
          },
        },
      },
    });
    const hex = createHmac('sha256', 'rzp_webhook_secret_1').update(payment).digest('hex');
    const wrong = hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');
    expect((await hook(razorpay.body.url, payment, { 'X-Razorpay-Signature': wrong })).status).toBe(401);
    // Razorpay sends bare hex; a "sha256=" prefix (GitHub's style) and capitals are accepted too.
    const prefixed = await hook(razorpay.body.url, payment, { 'X-Razorpay-Signature': `sha256=${hex.toUpperCase()}` });
    expect(prefixed.status).toBe(200);
    const paid = prefixed;
    expect(paid.body, JSON.stringify(paid.body)).toMatchObject({ outcome: 'sent' });
    expect((await hook(razorpay.body.url, payment, { 'X-Razorpay-Signature': hex })).body).toMatchObject({
      outcome: 'skipped',
      reason: 'duplicate',
    });
    const message = (await messagesOf()).find((m) => m.id === paid.body.message_id)!;
    expect(message.variables).toEqual([{ type: 'body', values: ['Kabir', '1,499.00', '1 Dec 2025'] }]);

    const crm = await stack.call('POST', '/api/whatsapp/v1/automations', {
      key,
      body: {
        ...SHOPIFY_AUTOMATION,
        name: 'CRM',
        verify: { kind: 'token', header: 'X-Webhook-Token', secret: 'crm-shared-token-7' },
      },
    });
    const lead = JSON.stringify(order({ id: 5731828113590 }));
    expect((await hook(crm.body.url, lead, { 'X-Webhook-Token': 'crm-shared-token-8' })).status).toBe(401);
    expect((await hook(crm.body.url, lead)).status).toBe(401);
    expect((await hook(crm.body.url, lead, { 'X-Webhook-Token': 'crm-shared-token-7' })).body).toMatchObject({
      outcome: 'sent',
    });
  });

  it("answers 404 for another account's automation", async () => {
    const other = await stack.admin.createAccount({ name: 'Other Store', waba_id: '990011223344556' });
    const otherKey = (await stack.admin.createApiKey(other.id, { name: 'other' })).key;
    const base = `/api/whatsapp/v1/automations/${automation.id}`;
    for (const [method, path, body] of [
      ['GET', base, undefined],
      ['GET', `${base}/events`, undefined],
      ['POST', `${base}/dry-run`, ORDER],
      ['PATCH', base, { enabled: false }],
      ['DELETE', base, undefined],
    ] as const) {
      const answer = await stack.call(method, path, { key: otherKey, ...(body ? { body } : {}) });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error.code).toBe('automation_not_found');
    }
    expect((await stack.call('GET', '/api/whatsapp/v1/automations', { key: otherKey })).body.automations).toEqual([]);
    expect((await stack.call('GET', base, { key })).body.enabled).toBe(true);
  });

  it('deletes an automation: its URL answers 401 from then on', async () => {
    const created = await stack.call('POST', '/api/whatsapp/v1/automations', {
      key,
      body: { ...SHOPIFY_AUTOMATION, name: 'to delete', verify: undefined },
    });
    expect(created.status).toBe(201);
    const raw = JSON.stringify(order({ id: 5731828113579 }));
    expect((await hook(created.body.url, raw)).status).toBe(200);
    const deleted = await stack.call('DELETE', `/api/whatsapp/v1/automations/${created.body.id}`, { key });
    expect(deleted.body).toEqual({ id: created.body.id, deleted: true });
    expect((await hook(created.body.url, raw)).status).toBe(401);
    expect(await eventsOf(created.body.id)).toHaveLength(0);
  });
});
