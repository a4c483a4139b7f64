import { listApiKeys } from '@dak/db';
import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { accountParams } from '../accounts/schema';
import { requireAccount } from '../accounts/service';
import { presentApiKey } from './presenter';
import {
  apiKeyListSchema,
  apiKeyParams,
  apiKeySchema,
  createApiKeySchema,
  createdApiKeySchema,
  updateApiKeySchema,
} from './schema';
import { createApiKey, revokeApiKey, updateApiKey } from './service';

export const apiKeyRoutes = [
  defineRoute({
    method: 'post',
    path: '/accounts/:id/api-keys',
    auth: 'admin',
    operationId: 'createApiKey',
    summary: 'Issue an API key (shown once)',
    description:
      'Several keys may be active at once, so keys rotate without downtime. `phone_number_ids` restricts the key to those numbers. ' +
      "`requests_per_second` (default 100, with a burst of one second's worth) limits the key's requests; past it the public API answers 429.",
    params: accountParams,
    body: {
      schema: createApiKeySchema,
      limit: BODY_LIMITS.small,
      example: { name: 'production', phone_number_ids: ['106540352242922'], requests_per_second: 200 },
    },
    responses: { 201: { description: 'Issued', schema: createdApiKeySchema } },
    errors: ['account_not_found'],
  }).handle(async ({ ctx, params, body }) => ({ status: 201, body: await createApiKey(ctx, params.id, body) })),
  defineRoute({
    method: 'get',
    path: '/accounts/:id/api-keys',
    auth: 'admin',
    operationId: 'listApiKeys',
    summary: "The account's API keys (without the keys themselves)",
    params: accountParams,
    responses: { 200: { description: 'The keys', schema: apiKeyListSchema } },
    errors: ['account_not_found'],
  }).handle(async ({ ctx, params }) => {
    await requireAccount(ctx, params.id);
    return { status: 200, body: { api_keys: (await listApiKeys(ctx.db, params.id)).map(presentApiKey) } };
  }),
  defineRoute({
    method: 'patch',
    path: '/api-keys/:id',
    auth: 'admin',
    operationId: 'updateApiKey',
    summary: 'Rename a key or change its request rate limit',
    description: "Give `name`, `requests_per_second` or both. A new limit applies from the key's next request.",
    params: apiKeyParams,
    body: { schema: updateApiKeySchema, limit: BODY_LIMITS.small, example: { requests_per_second: 500 } },
    responses: { 200: { description: 'Updated', schema: apiKeySchema } },
    errors: ['api_key_not_found'],
  }).handle(async ({ ctx, params, body }) => ({ status: 200, body: await updateApiKey(ctx, params.id, body) })),
  defineRoute({
    method: 'delete',
    path: '/api-keys/:id',
    auth: 'admin',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key at once',
    params: apiKeyParams,
    responses: { 200: { description: 'Revoked', schema: apiKeySchema } },
    errors: ['api_key_not_found'],
  }).handle(async ({ ctx, params }) => ({ status: 200, body: await revokeApiKey(ctx, params.id) })),
];
