import { findWallet, listAccounts } from '@dak/db';
import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { presentAccount } from './presenter';
import { accountListSchema, accountParams, accountSchema, createAccountSchema, updateAccountSchema } from './schema';
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
      'unique users reached per rolling 24 hours; set it to what Meta shows for the portfolio, and Dak refuses sends beyond it up front. ' +
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
];
