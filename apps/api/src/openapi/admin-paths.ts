import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ADMIN_API_BASE } from '../routes/mount-points';
import {
  createAccountSchema,
  createApiKeySchema,
  createPhoneNumberSchema,
  ledgerQuerySchema,
  topUpSchema,
  updateAccountSchema,
  updateApiKeySchema,
  updatePhoneNumberSchema,
} from '../services/admin';
import { webhookEventsQuerySchema } from '../services/webhook-events';
import { ADMIN_TOKEN_SCHEME, errorResponses, jsonResponse, unavailable, type ErrorCases } from './common';
import {
  accountListSchema,
  accountSchema,
  adminTemplateListSchema,
  adminWalletSchema,
  apiKeyListSchema,
  apiKeySchema,
  createdApiKeySchema,
  ledgerPageSchema,
  phoneNumberListSchema,
  phoneNumberSchema,
  templateSyncResultSchema,
  topUpResultSchema,
  webhookEventPageSchema,
} from './responses';
import { z } from './zod';

const accountParams = z.object({ id: z.string().openapi({ param: { description: "The account's id (`acc_…`)" }, example: 'acc_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }) });
const accountMissing: ErrorCases = { 404: ['account_not_found'] };

function jsonBody(schema: z.ZodType, example: unknown): NonNullable<RouteConfig['request']>['body'] {
  return { required: true, content: { 'application/json': { schema, example } } };
}

export function registerAdminPaths(registry: OpenAPIRegistry): void {
  const register = (route: Omit<RouteConfig, 'security' | 'tags'> & { errors?: ErrorCases }) => {
    const { errors = {}, path, ...rest } = route;
    registry.registerPath({
      ...rest,
      path: `${ADMIN_API_BASE}${path}`,
      tags: ['Admin'],
      security: [{ [ADMIN_TOKEN_SCHEME]: [] }],
      responses: { ...rest.responses, ...errorResponses({ 401: ['invalid_admin_token', 'admin_disabled'], ...errors, ...unavailable }) },
    });
  };

  register({
    method: 'post',
    path: '/accounts',
    operationId: 'createAccount',
    summary: 'Create an account (a WhatsApp Business Account) and its wallet',
    request: {
      body: jsonBody(createAccountSchema, { name: 'Demo Store', waba_id: '102290129340398', currency: 'INR', price: '0.10', category_prices: { MARKETING: '0.20' } }),
    },
    responses: { 201: jsonResponse('Created', accountSchema) },
    errors: { 400: ['invalid_request'], 409: ['account_exists'] },
  });
  register({
    method: 'get',
    path: '/accounts',
    operationId: 'listAccounts',
    summary: 'Every account',
    responses: { 200: jsonResponse('The accounts', accountListSchema) },
  });
  register({
    method: 'get',
    path: '/accounts/{id}',
    operationId: 'getAccount',
    summary: 'One account, with its wallet',
    request: { params: accountParams },
    responses: { 200: jsonResponse('The account', accountSchema) },
    errors: accountMissing,
  });
  register({
    method: 'patch',
    path: '/accounts/{id}',
    operationId: 'updateAccount',
    summary: "Rename an account, change its prices or its request rate limit",
    description:
      'Give any of `name`, `price`, `category_prices`, `requests_per_second` (at least one). `requests_per_second` limits all the ' +
      "account's keys together (each key keeps its own limit too); `null` removes it, and there is none by default. " +
      'A new price applies to messages accepted after the change; ' +
      'messages already accepted keep the amount held for them, which is what is captured, released or refunded. ' +
      '`category_prices` replaces the whole map: a category left out goes back to `price`, and `{}` removes every category price. ' +
      'A category price beats `price` for templates of that category.',
    request: { params: accountParams, body: jsonBody(updateAccountSchema, { price: '0.12', category_prices: { MARKETING: '0.25' } }) },
    responses: { 200: jsonResponse('Updated (without the wallet)', accountSchema) },
    errors: { 400: ['invalid_request'], ...accountMissing },
  });

  register({
    method: 'post',
    path: '/accounts/{id}/phone-numbers',
    operationId: 'addPhoneNumber',
    summary: 'Register a sending phone number and its Meta access token',
    description: 'The access token is encrypted at rest and never returned.',
    request: {
      params: accountParams,
      body: jsonBody(createPhoneNumberSchema, { phone_number_id: '106540352242922', display_phone_number: '15550783881', access_token: 'EAAG…', mps: 80 }),
    },
    responses: { 201: jsonResponse('Registered', phoneNumberSchema) },
    errors: { 400: ['invalid_request'], ...accountMissing, 409: ['phone_number_exists'] },
  });
  register({
    method: 'get',
    path: '/accounts/{id}/phone-numbers',
    operationId: 'listPhoneNumbers',
    summary: "The account's phone numbers",
    request: { params: accountParams },
    responses: { 200: jsonResponse('The phone numbers', phoneNumberListSchema) },
    errors: accountMissing,
  });
  register({
    method: 'patch',
    path: '/phone-numbers/{id}',
    operationId: 'updatePhoneNumber',
    summary: "Change a number's display number, messages-per-second limit or access token",
    description:
      'Give any of `display_phone_number`, `access_token`, `mps` (at least one). A rotated access token is encrypted at rest like the first ' +
      'and never returned. Workers keep a number\'s token and limit for up to 30 s, so a change reaches every send within that time; ' +
      'register the new token with Meta before rotating it here, and revoke the old one after.',
    request: {
      params: z.object({ id: z.string().openapi({ param: { description: "The number's id (`pn_…`) or its Meta phone_number_id" }, example: '106540352242922' }) }),
      body: jsonBody(updatePhoneNumberSchema, { access_token: 'EAAG…', mps: 250 }),
    },
    responses: { 200: jsonResponse('Updated', phoneNumberSchema) },
    errors: { 400: ['invalid_request'], 404: ['phone_number_not_found'] },
  });

  register({
    method: 'post',
    path: '/accounts/{id}/api-keys',
    operationId: 'createApiKey',
    summary: 'Issue an API key (shown once)',
    description:
      'Several keys may be active at once, so keys rotate without downtime. `phone_number_ids` restricts the key to those numbers. ' +
      '`requests_per_second` (default 100, with a burst of one second\'s worth) limits the key\'s requests; past it the public API answers 429.',
    request: { params: accountParams, body: jsonBody(createApiKeySchema, { name: 'production', phone_number_ids: ['106540352242922'], requests_per_second: 200 }) },
    responses: { 201: jsonResponse('Issued', createdApiKeySchema) },
    errors: { 400: ['invalid_request'], ...accountMissing },
  });
  register({
    method: 'get',
    path: '/accounts/{id}/api-keys',
    operationId: 'listApiKeys',
    summary: "The account's API keys (without the keys themselves)",
    request: { params: accountParams },
    responses: { 200: jsonResponse('The keys', apiKeyListSchema) },
    errors: accountMissing,
  });
  const keyParams = z.object({ id: z.string().openapi({ param: { description: "The key's id (`key_…`)" } }) });
  register({
    method: 'patch',
    path: '/api-keys/{id}',
    operationId: 'updateApiKey',
    summary: "Rename a key or change its request rate limit",
    description: 'Give `name`, `requests_per_second` or both. A new limit applies from the key\'s next request.',
    request: { params: keyParams, body: jsonBody(updateApiKeySchema, { requests_per_second: 500 }) },
    responses: { 200: jsonResponse('Updated', apiKeySchema) },
    errors: { 400: ['invalid_request'], 404: ['api_key_not_found'] },
  });
  register({
    method: 'delete',
    path: '/api-keys/{id}',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key at once',
    request: { params: keyParams },
    responses: { 200: jsonResponse('Revoked', apiKeySchema) },
    errors: { 404: ['api_key_not_found'] },
  });

  register({
    method: 'post',
    path: '/accounts/{id}/wallet/topups',
    operationId: 'topUpWallet',
    summary: 'Credit the wallet; the reference makes it idempotent',
    description: 'The same reference again answers 200 with `replayed: true` and credits nothing; with another amount it is a 409.',
    request: { params: accountParams, body: jsonBody(topUpSchema, { amount: '500.00', reference: 'invoice-2026-0042' }) },
    responses: {
      201: jsonResponse('Credited', topUpResultSchema),
      200: jsonResponse('This reference was already applied; nothing credited again', topUpResultSchema),
    },
    errors: { 400: ['invalid_request'], ...accountMissing, 409: ['topup_reference_reused'] },
  });
  register({
    method: 'get',
    path: '/accounts/{id}/wallet',
    operationId: 'getAccountWallet',
    summary: "The account's wallet, with every total of the ledger",
    request: { params: accountParams },
    responses: { 200: jsonResponse('The wallet', adminWalletSchema) },
    errors: accountMissing,
  });
  register({
    method: 'get',
    path: '/accounts/{id}/wallet/ledger',
    operationId: 'listLedger',
    summary: "The wallet's ledger entries, newest first",
    description:
      'Every movement of money: top-ups, and per message its hold, capture, release, refund or refund reversal. ' +
      '`limit` (1–500, default 50) entries per page; pass the answer\'s `next_before` as `before` for the next, older page.',
    request: { params: accountParams, query: ledgerQuerySchema },
    responses: { 200: jsonResponse('One page of entries', ledgerPageSchema) },
    errors: { 400: ['invalid_request'], ...accountMissing },
  });

  register({
    method: 'post',
    path: '/accounts/{id}/templates/sync',
    operationId: 'syncTemplates',
    summary: "Fetch the WABA's templates from Meta now",
    description: 'Templates Meta no longer lists are kept with status DELETED. The worker also syncs every account periodically.',
    request: { params: accountParams },
    responses: { 200: jsonResponse('Synced', templateSyncResultSchema) },
    errors: { 400: ['no_access_token', 'meta_refused', 'foreign_next_page'], ...accountMissing },
  });
  register({
    method: 'get',
    path: '/accounts/{id}/templates',
    operationId: 'listAccountTemplates',
    summary: "The account's stored templates",
    request: { params: accountParams },
    responses: { 200: jsonResponse('The templates', adminTemplateListSchema) },
    errors: accountMissing,
  });

  register({
    method: 'get',
    path: '/webhook-events',
    operationId: 'listWebhookEvents',
    summary: 'Webhook events from Meta, newest first; `rejected=true` lists those refused as not proven',
    description:
      "An event applies only to what its envelope owns: a status to a message sent from the envelope's `metadata.phone_number_id` under the entry's WABA " +
      "(and with the message's wamid, or naming it by callback data while it has none), a template update to that WABA's own template, an inbound message to " +
      'a number of that WABA. Anything else is kept, closed with `rejected_reason`, counted in `dak_webhooks_events_rejected_total{reason}` and never applied. ' +
      "Payloads are not returned (inbound bodies are personal data). `limit` (1–500, default 50); pass the answer's `next_before` as `before` for the next, older page.",
    request: { query: webhookEventsQuerySchema },
    responses: { 200: jsonResponse('One page of events', webhookEventPageSchema) },
    errors: { 400: ['invalid_request'] },
  });
}
