import { Validator } from '@seriousme/openapi-schema-validator';
import type { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { insertEvents } from '@dak/db';
import { startStack, type TestStack } from '@dak/dev-env';
import { errorBodySchema } from '../src/openapi/common';
import { accountListSchema, accountSchema } from '../src/resources/accounts/schema';
import { apiKeyListSchema, createdApiKeySchema } from '../src/resources/api-keys/schema';
import {
  batchStatusSchema,
  messageListSchema,
  messageStatusSchema,
  sendBatchResponseSchema,
  sendMessageResponseSchema,
} from '../src/resources/messages/schema';
import { phoneNumberListSchema } from '../src/resources/phone-numbers/schema';
import {
  adminTemplateListSchema,
  templateDescriptionSchema,
  templateListSchema,
  templateSyncResultSchema,
} from '../src/resources/templates/schema';
import { adminWalletSchema, publicWalletSchema, topUpResultSchema } from '../src/resources/wallet/schema';
import { webhookEventPageSchema } from '../src/resources/webhook-events/schema';
import { ADMIN_API_BASE, PUBLIC_API_BASE, QUEUE_BOARD_BASE } from '../src/routes/mount-points';
import { adminRouter, publicRouter } from '../src/routes';

/** `METHOD /path/{param}` for every route a router serves, in OpenAPI's path syntax. */
function routesOf(router: Router, base: string): string[] {
  return router.stack.flatMap((layer) => {
    if (!layer.route) {
      // Middleware (auth) is fine; a nested router would hide its routes from this walk.
      expect(
        (layer.handle as { stack?: unknown }).stack,
        `a nested router under ${base}: teach routesOf to walk it`,
      ).toBeUndefined();
      return [];
    }
    const path = `${base}${layer.route.path}`.replace(/:(\w+)/g, '{$1}');
    return Object.keys((layer.route as unknown as { methods: Record<string, boolean> }).methods).map(
      (method) => `${method.toUpperCase()} ${path}`,
    );
  });
}

/** Parses with the documented schema and checks nothing was dropped: every field is documented. */
function expectDocumented(schema: z.ZodType, body: unknown) {
  const result = schema.safeParse(body);
  expect(result.error?.issues, JSON.stringify(body)).toBeUndefined();
  expect(result.data, 'the answer has fields the schema does not document').toEqual(body);
}

describe('OpenAPI document, docs page and queue dashboard', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  let doc: any;
  const orderUpdate = templateFixtures.order_update!;

  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo());
    doc = (await stack.call('GET', '/openapi.json')).body;
  });
  afterAll(() => stack?.close());

  /** The codes a documented error response lists for an operation and status. */
  function documentedCodes(method: string, path: string, status: number): string[] {
    const description: string = doc.paths[path][method].responses[status].description;
    return [...description.matchAll(/`(\w+)`/g)].map((m) => m[1]!);
  }

  function expectDocumentedError(response: { status: number; body: unknown }, method: string, path: string) {
    expectDocumented(errorBodySchema, response.body);
    expect(documentedCodes(method, path, response.status)).toContain(
      (response.body as { error: { code: string } }).error.code,
    );
  }

  it('/openapi.json is valid OpenAPI 3.1, served without credentials', async () => {
    const response = await stack.call('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(structuredClone(response.body));
    expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(() => validator.resolveRefs()).not.toThrow();
  });

  it('documents every route of the public and admin routers, and no route that does not exist', () => {
    const served = [
      ...routesOf(publicRouter(stack.api.ctx), PUBLIC_API_BASE),
      ...routesOf(adminRouter(stack.api.ctx), ADMIN_API_BASE),
    ].sort();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(served);
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        const scheme = path.startsWith(ADMIN_API_BASE) ? 'AdminToken' : 'ApiKey';
        expect(operation.security, `${method} ${path}`).toEqual([{ [scheme]: [] }]);
        expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '503']));
      }
    }
  });

  it('send-message documents its headers, every error status and the original request as an example', () => {
    const operation = doc.paths[`${PUBLIC_API_BASE}/send-message`].post;
    expect(Object.keys(operation.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '402',
      '403',
      '404',
      '409',
      '413',
      '422',
      '429',
      '503',
    ]);
    expect(operation.parameters).toEqual([
      expect.objectContaining({ in: 'header', name: 'Idempotency-Key', required: false }),
    ]);
    expect(operation.requestBody.content['application/json'].examples.original.value).toEqual({
      phone_number_id: '106540352242922',
      template_id: '1284751902651784',
      phone_number: '919820388810',
      variables: [{ type: 'body', values: ['John Doe', 'ORD-12345'] }],
    });
    expect(doc.components.securitySchemes).toMatchObject({
      ApiKey: { type: 'http', scheme: 'bearer' },
      AdminToken: { type: 'http', scheme: 'bearer' },
    });
  });

  it('public answers match the documented response schemas', async () => {
    const path = `${PUBLIC_API_BASE}/send-message`;
    const examples = doc.paths[path].post.requestBody.content['application/json'].examples;
    const sent = await stack.call('POST', path, { key: apiKey, body: examples.original.value });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expectDocumented(sendMessageResponseSchema, sent.body);
    const byName = await stack.call('POST', path, { key: apiKey, body: examples.byName.value });
    expect(byName.status, JSON.stringify(byName.body)).toBe(200);

    const status = await stack.call('GET', `${PUBLIC_API_BASE}/message-status/${sent.body.message_id}`, {
      key: apiKey,
    });
    expect(status.status).toBe(200);
    expectDocumented(messageStatusSchema, status.body);

    // Every kind of template: text, media and location headers, named placeholders, each button type.
    for (const template of Object.values(templateFixtures)) {
      const described = await stack.call('GET', `${PUBLIC_API_BASE}/get-template-by-id/${template.id}`, {
        key: apiKey,
      });
      expect(described.status, template.name).toBe(200);
      expectDocumented(templateDescriptionSchema, described.body);
    }

    const templates = await stack.call('GET', `${PUBLIC_API_BASE}/templates?status=APPROVED`, { key: apiKey });
    expectDocumented(templateListSchema, templates.body);
    const wallet = await stack.call('GET', `${PUBLIC_API_BASE}/wallet`, { key: apiKey });
    expectDocumented(publicWalletSchema, wallet.body);

    const batchPath = `${PUBLIC_API_BASE}/send-batch`;
    const batchExample = doc.paths[batchPath].post.requestBody.content['application/json'].example;
    const batch = await stack.call('POST', batchPath, {
      key: apiKey,
      body: { ...batchExample, messages: [...batchExample.messages, { phone_number: 'nope' }] },
    });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    expectDocumented(sendBatchResponseSchema, batch.body);
    expect(batch.body.rejected).toHaveLength(1);
    expectDocumented(
      batchStatusSchema,
      (await stack.call('GET', `${PUBLIC_API_BASE}/batches/${batch.body.batch_id}`, { key: apiKey })).body,
    );
    const list = await stack.call('GET', `${PUBLIC_API_BASE}/messages?batch_id=${batch.body.batch_id}&limit=1`, {
      key: apiKey,
    });
    expect(list.body.messages).toHaveLength(1);
    expectDocumented(messageListSchema, list.body);
  });

  it('error answers match the documented error body and list their code', async () => {
    const sendPath = `${PUBLIC_API_BASE}/send-message`;
    const maxKey = doc.paths[sendPath].post.parameters[0].schema.maxLength as number;
    const body = {
      phone_number_id: '106540352242922',
      template_id: orderUpdate.id,
      phone_number: '919820388810',
      variables: [],
    };
    const tooLong = await stack.call('POST', sendPath, {
      key: apiKey,
      body,
      headers: { 'idempotency-key': 'k'.repeat(maxKey + 1) },
    });
    expect(tooLong.status).toBe(400);
    expectDocumentedError(tooLong, 'post', sendPath);

    const mismatch = await stack.call('POST', sendPath, { key: apiKey, body });
    expect(mismatch.status).toBe(422);
    expectDocumentedError(mismatch, 'post', sendPath);

    const missing = await stack.call('GET', `${PUBLIC_API_BASE}/message-status/msg_unknown`, { key: apiKey });
    expect(missing.status).toBe(404);
    expectDocumentedError(missing, 'get', `${PUBLIC_API_BASE}/message-status/{message_id}`);

    const batchPath = `${PUBLIC_API_BASE}/send-batch`;
    const batchBody = { phone_number_id: body.phone_number_id, template_id: body.template_id };
    const allInvalid = await stack.call('POST', batchPath, {
      key: apiKey,
      body: { ...batchBody, messages: [{ phone_number: '919820388810' }] },
    });
    expect(allInvalid.status).toBe(422);
    expectDocumentedError(allInvalid, 'post', batchPath);
    const tooMany = await stack.call('POST', batchPath, {
      key: apiKey,
      body: { ...batchBody, messages: Array.from({ length: 10_001 }, () => ({ phone_number: '919820388810' })) },
    });
    expect(tooMany.status).toBe(413);
    expectDocumentedError(tooMany, 'post', batchPath);
    const noBatch = await stack.call('GET', `${PUBLIC_API_BASE}/batches/bat_unknown`, { key: apiKey });
    expect(noBatch.status).toBe(404);
    expectDocumentedError(noBatch, 'get', `${PUBLIC_API_BASE}/batches/{batch_id}`);
    const badFilter = await stack.call('GET', `${PUBLIC_API_BASE}/messages?status=lost`, { key: apiKey });
    expect(badFilter.status).toBe(400);
    expectDocumentedError(badFilter, 'get', `${PUBLIC_API_BASE}/messages`);

    const noKey = await stack.call('GET', `${PUBLIC_API_BASE}/wallet`);
    expect(noKey.status).toBe(401);
    expectDocumentedError(noKey, 'get', `${PUBLIC_API_BASE}/wallet`);
  });

  it('admin answers match the documented response schemas, and the documented examples are accepted', async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      stack.call(method, `${ADMIN_API_BASE}${path}`, { key: stack.adminToken, ...(body ? { body } : {}) });
    const example = (path: string) =>
      doc.paths[`${ADMIN_API_BASE}${path}`].post.requestBody.content['application/json'].example;

    const created = await admin('POST', '/accounts', { ...example('/accounts'), waba_id: '555000999111' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expectDocumented(accountSchema, created.body);
    expect(created.body.category_prices).toEqual(example('/accounts').category_prices);

    expectDocumented(accountListSchema, (await admin('GET', '/accounts')).body);
    expectDocumented(accountSchema, (await admin('GET', `/accounts/${accountId}`)).body);
    expectDocumented(phoneNumberListSchema, (await admin('GET', `/accounts/${accountId}/phone-numbers`)).body);

    const key = await admin('POST', `/accounts/${accountId}/api-keys`, example('/accounts/{id}/api-keys'));
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    expectDocumented(createdApiKeySchema, key.body);
    expectDocumented(apiKeyListSchema, (await admin('GET', `/accounts/${accountId}/api-keys`)).body);

    const topUp = await admin('POST', `/accounts/${accountId}/wallet/topups`, example('/accounts/{id}/wallet/topups'));
    expect(topUp.status, JSON.stringify(topUp.body)).toBe(201);
    expectDocumented(topUpResultSchema, topUp.body);
    expectDocumented(adminWalletSchema, (await admin('GET', `/accounts/${accountId}/wallet`)).body);

    const sync = await admin('POST', `/accounts/${accountId}/templates/sync`);
    expect(sync.status, JSON.stringify(sync.body)).toBe(200);
    expectDocumented(templateSyncResultSchema, sync.body);
    expectDocumented(adminTemplateListSchema, (await admin('GET', `/accounts/${accountId}/templates`)).body);

    await insertEvents(stack.api.ctx.db, [
      {
        dedupe_key: 'status:openapi',
        kind: 'status',
        wamid: 'wamid.openapi',
        status: 'sent',
        waba_id: '555000999999',
        meta_phone_number_id: '106540352240001',
        payload: '{}',
      },
    ]);
    const events = await admin('GET', '/webhook-events?limit=1');
    expect(events.body.events).toHaveLength(1);
    expectDocumented(webhookEventPageSchema, events.body);

    const unknown = await admin('GET', '/accounts/acc_unknown');
    expectDocumentedError(unknown, 'get', `${ADMIN_API_BASE}/accounts/{id}`);
  });

  it('/docs renders the document from local assets only', async () => {
    const page = await fetch(`${stack.api.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    // An XML namespace is a name, not something the browser loads.
    expect(html.replace(/xmlns(:\w+)?="[^"]*"/g, '')).not.toMatch(/(https?:)?\/\/[\w.-]+\.[a-z]{2,}/i);
    const assets = [...html.matchAll(/\b(?:src|href)=["']([^"']+)["']/g)].map((m) => m[1]!);
    expect(assets).toEqual(
      expect.arrayContaining(['./swagger-ui-bundle.js', './swagger-ui-init.js', './swagger-ui.css']),
    );
    for (const asset of assets) {
      const url = new URL(asset, page.url);
      expect(url.origin, asset).toBe(new URL(stack.api.url).origin);
      expect((await fetch(url)).status, asset).toBe(200);
    }
    const init = await (await fetch(new URL('./swagger-ui-init.js', page.url))).text();
    expect(init).toContain('"/openapi.json"');
    expect(init).toMatch(/"validatorUrl": null/);
    expect(init).not.toMatch(/https?:\/\//);
  });

  it(`${QUEUE_BOARD_BASE} takes the admin token as a Basic password or a Bearer token, nothing else`, async () => {
    const board = (authorization?: string, path = '') =>
      fetch(`${stack.api.url}${QUEUE_BOARD_BASE}${path}`, { headers: authorization ? { authorization } : {} });
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

    const anonymous = await board();
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(await anonymous.json()).toMatchObject({ success: false, error: { code: 'invalid_admin_token' } });
    expect((await board(basic('admin', 'wrong-token'))).status).toBe(401);
    expect((await board(`Bearer ${apiKey}`)).status).toBe(401);

    const page = await board(basic('anyone', stack.adminToken));
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    expect((await board(`Bearer ${stack.adminToken}`)).status).toBe(200);

    const queues = (await (await board(basic('admin', stack.adminToken), '/api/queues')).json()) as {
      queues: { name: string }[];
    };
    expect(queues.queues.map((q) => q.name).sort()).toEqual(
      [
        stack.api.ctx.queues.maintenance.name,
        stack.api.ctx.queues.send.name,
        stack.api.ctx.queues.callbacks.name,
      ].sort(),
    );
  });
});
