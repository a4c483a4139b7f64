import { Router } from 'express';
import { NotFoundError } from '@dak/core';
import { listAccounts, listApiKeys, listPhoneNumbers, listTemplates, revokeApiKey, findWallet } from '@dak/db';
import { jsonBody, parseOrThrow } from '@dak/http';
import type { ApiContext } from '../context';
import { requireAdminToken } from '../http/auth';
import { BODY_LIMITS } from '../http/body-limits';
import {
  addPhoneNumber,
  applyTopUp,
  changePhoneNumber,
  createAccount,
  createAccountSchema,
  createApiKey,
  createApiKeySchema,
  createPhoneNumberSchema,
  ledgerOf,
  ledgerQuerySchema,
  presentAccount,
  presentApiKey,
  presentPhoneNumber,
  requireAccount,
  syncTemplates,
  topUpSchema,
  updateAccount,
  updateAccountSchema,
  updateApiKey,
  updateApiKeySchema,
  updatePhoneNumberSchema,
  walletOf,
} from '../services/admin';
import { presentTemplate } from '../services/presenters';
import { webhookEventsPage, webhookEventsQuerySchema } from '../services/webhook-events';

/** The operator's API, behind DAK_ADMIN_TOKEN. */
export function adminRouter(ctx: ApiContext): Router {
  const router = Router();
  router.use(requireAdminToken(ctx));
  router.use(jsonBody(BODY_LIMITS.small));

  router.post('/accounts', async (req, res) => {
    const account = await createAccount(ctx, parseOrThrow(createAccountSchema, req.body));
    res.status(201).json(presentAccount(account));
  });
  router.get('/accounts', async (_req, res) => {
    res.json({ accounts: (await listAccounts(ctx.db)).map((a) => presentAccount(a)) });
  });
  router.get('/accounts/:id', async (req, res) => {
    const account = await requireAccount(ctx, req.params.id);
    res.json(presentAccount(account, await findWallet(ctx.db, account.id)));
  });
  router.patch('/accounts/:id', async (req, res) => {
    const account = await updateAccount(ctx, req.params.id, parseOrThrow(updateAccountSchema, req.body));
    res.json(presentAccount(account));
  });

  router.post('/accounts/:id/phone-numbers', async (req, res) => {
    const phone = await addPhoneNumber(ctx, req.params.id, parseOrThrow(createPhoneNumberSchema, req.body));
    res.status(201).json(presentPhoneNumber(phone));
  });
  router.get('/accounts/:id/phone-numbers', async (req, res) => {
    await requireAccount(ctx, req.params.id);
    res.json({ phone_numbers: (await listPhoneNumbers(ctx.db, req.params.id)).map(presentPhoneNumber) });
  });
  router.patch('/phone-numbers/:id', async (req, res) => {
    res.json(presentPhoneNumber(await changePhoneNumber(ctx, req.params.id, parseOrThrow(updatePhoneNumberSchema, req.body))));
  });

  router.post('/accounts/:id/api-keys', async (req, res) => {
    res.status(201).json(await createApiKey(ctx, req.params.id, parseOrThrow(createApiKeySchema, req.body)));
  });
  router.get('/accounts/:id/api-keys', async (req, res) => {
    await requireAccount(ctx, req.params.id);
    res.json({ api_keys: (await listApiKeys(ctx.db, req.params.id)).map(presentApiKey) });
  });
  router.patch('/api-keys/:id', async (req, res) => {
    res.json(await updateApiKey(ctx, req.params.id, parseOrThrow(updateApiKeySchema, req.body)));
  });
  router.delete('/api-keys/:id', async (req, res) => {
    const key = await revokeApiKey(ctx.db, req.params.id);
    if (!key) throw new NotFoundError(`No API key "${req.params.id}".`, 'api_key_not_found');
    res.json(presentApiKey(key));
  });

  router.post('/accounts/:id/wallet/topups', async (req, res) => {
    const result = await applyTopUp(ctx, req.params.id, parseOrThrow(topUpSchema, req.body));
    res.status(result.replayed ? 200 : 201).json(result);
  });
  router.get('/accounts/:id/wallet', async (req, res) => {
    res.json(await walletOf(ctx, req.params.id));
  });
  router.get('/accounts/:id/wallet/ledger', async (req, res) => {
    res.json(await ledgerOf(ctx, req.params.id, parseOrThrow(ledgerQuerySchema, req.query, 'query')));
  });

  router.post('/accounts/:id/templates/sync', async (req, res) => {
    res.json(await syncTemplates(ctx, req.params.id));
  });
  router.get('/accounts/:id/templates', async (req, res) => {
    await requireAccount(ctx, req.params.id);
    res.json({ templates: (await listTemplates(ctx.db, req.params.id)).map(presentTemplate) });
  });

  router.get('/webhook-events', async (req, res) => {
    res.json(await webhookEventsPage(ctx, parseOrThrow(webhookEventsQuerySchema, req.query, 'query')));
  });

  return router;
}
