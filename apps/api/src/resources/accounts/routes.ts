import { findWallet, listAccounts } from '@dak/db';
import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { presentAccount } from './presenter';
import { syncMessagingTier } from './messaging-tier';
import {
  accountListSchema,
  accountParams,
  accountSchema,
  createAccountSchema,
  messagingTierSyncSchema,
  updateAccountSchema,
} from './schema';
import { createAccount, requireAccount, updateAccount } from './service';

export const accountRoutes = [
  defineRoute({
    method: 'post',
    path: '/accounts',
    auth: 'admin',
    operationId: 'createAccount',
    summary: 'Create an account (a WhatsApp Business Account) and its wallet',
    body: {
      schema: createAccountSchema,
      limit: BODY_LIMITS.small,
      example: {
        name: 'Demo Store',
        waba_id: '102290129340398',
        currency: 'INR',
        price: '0.10',
        category_prices: { MARKETING: '0.20' },
      },
    },
    responses: { 201: { description: 'Created', schema: accountSchema } },
    errors: ['account_exists'],
  }).handle(async ({ ctx, body }) => ({ status: 201, body: presentAccount(await createAccount(ctx, body)) })),
  defineRoute({
    method: 'get',
    path: '/accounts',
    auth: 'admin',
    operationId: 'listAccounts',
    summary: 'Every account',
    responses: { 200: { description: 'The accounts', schema: accountListSchema } },
  }).handle(async ({ ctx }) => ({
    status: 200,
    body: { accounts: (await listAccounts(ctx.db)).map((a) => presentAccount(a)) },
  })),
  defineRoute({
    method: 'get',
    path: '/accounts/:id',
    auth: 'admin',
    operationId: 'getAccount',
    summary: 'One account, with its wallet',
    params: accountParams,
    responses: { 200: { description: 'The account', schema: accountSchema } },
    errors: ['account_not_found'],
  }).handle(async ({ ctx, params }) => {
    const account = await requireAccount(ctx, params.id);
    return { status: 200, body: presentAccount(account, await findWallet(ctx.db, account.id)) };
  }),
  defineRoute({
    method: 'patch',
    path: '/accounts/:id',
    auth: 'admin',
    operationId: 'updateAccount',
    summary: 'Rename an account, change its prices, its request rate limit or its messaging tier',
    description:
      'Give any of `name`, `price`, `category_prices`, `requests_per_second`, `charge_free_messages`, `messaging_tier`, `session_price` (at least one). ' +
      '`session_price` is what a session message (POST /send-session-message) costs; 0.00 by default. ' +
      '`charge_free_messages` (false by default) says whether a message Meta reports free (its pricing type ' +
      '`free_customer_service` or `free_entry_point`) is charged; it applies to statuses applied after the change. ' +
      "`messaging_tier` is Meta's messaging limit of the account's business portfolio (250, 2000, 10000, 100000 or `unlimited`, the default): " +
      'unique users reached per rolling 24 hours; Dak refuses sends beyond it up front. Dak reads it from Meta (POST /accounts/{id}/messaging-tier/sync, ' +
      "and the worker periodically), and Meta's report replaces a tier set here (`messaging_tier_source` says which one holds): " +
      'set it by hand for an account whose numbers Meta does not report, or until the next read. ' +
      '`requests_per_second` limits all the ' +
      "account's keys together (each key keeps its own limit too); `null` removes it, and there is none by default. " +
      'A new price applies to messages accepted after the change; ' +
      'messages already accepted keep the amount held for them, which is what is captured, released or refunded. ' +
      '`category_prices` replaces the whole map: a category left out goes back to `price`, and `{}` removes every category price. ' +
      'A category price beats `price` for templates of that category.',
    params: accountParams,
    body: {
      schema: updateAccountSchema,
      limit: BODY_LIMITS.small,
      example: { price: '0.12', category_prices: { MARKETING: '0.25' } },
    },
    responses: { 200: { description: 'Updated (without the wallet)', schema: accountSchema } },
    errors: ['account_not_found'],
  }).handle(async ({ ctx, params, body }) => ({
    status: 200,
    body: presentAccount(await updateAccount(ctx, params.id, body)),
  })),
  defineRoute({
    method: 'post',
    path: '/accounts/:id/messaging-tier/sync',
    auth: 'admin',
    operationId: 'syncMessagingTier',
    summary: "Read the account's messaging tier from Meta now",
    description:
      "Reads `messaging_limit_tier` of each of the account's phone numbers from Meta and stores it with `messaging_tier_source` `meta`, " +
      'replacing a tier set with PATCH. Every number of a business portfolio reports the same tier; if they differ, the lowest is kept. ' +
      "A number Meta gives no tier for is listed with its error and the others' tier is used; when none gives one, the tier is unchanged and " +
      "the answer is the first number's error. The worker also reads every account's tier periodically (MESSAGING_TIER_SYNC_INTERVAL_MS).",
    params: accountParams,
    responses: { 200: { description: 'Read and stored', schema: messagingTierSyncSchema } },
    errors: ['account_not_found', 'no_access_token', 'meta_refused', 'meta_unexpected_answer'],
  }).handle(async ({ ctx, params }) => ({ status: 200, body: await syncMessagingTier(ctx, params.id) })),
];
