import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { accountParams } from '../accounts/schema';
import { requireAccount } from '../accounts/service';
import { presentPublicWallet, presentWallet } from './presenter';
import {
  adminWalletSchema,
  ledgerPageSchema,
  ledgerQuerySchema,
  publicWalletSchema,
  topUpResultSchema,
  topUpSchema,
  walletSettingsSchema,
} from './schema';
import { applyTopUp, ledgerOf, requireWallet, updateWalletSettings, walletOf } from './service';

export const publicWalletRoutes = [
  defineRoute({
    method: 'get',
    path: '/wallet',
    auth: 'api_key',
    tag: 'Wallet',
    operationId: 'getWallet',
    summary: 'Balance, held and available credit',
    responses: { 200: { description: 'The wallet', schema: publicWalletSchema } },
    errors: ['wallet_not_found'],
  }).handle(async ({ ctx, principal }) => ({
    status: 200,
    body: presentPublicWallet(await requireWallet(ctx, principal.accountId)),
  })),
  defineRoute({
    method: 'patch',
    path: '/wallet',
    auth: 'api_key',
    tag: 'Wallet',
    operationId: 'updateWallet',
    summary: "Set the wallet's low-balance threshold",
    description:
      'When available − debt falls below `low_balance_threshold`, each callback endpoint subscribed to `wallet.low_balance` hears it once (within about 10 s); after a top-up lifts the wallet back above it, the next dip is announced again.',
    body: { schema: walletSettingsSchema, limit: BODY_LIMITS.small, example: { low_balance_threshold: '250.00' } },
    responses: { 200: { description: 'The wallet', schema: publicWalletSchema } },
    errors: ['wallet_not_found'],
  }).handle(async ({ ctx, principal, body }) => ({
    status: 200,
    body: presentPublicWallet(await updateWalletSettings(ctx, principal.accountId, body)),
  })),
];

export const adminWalletRoutes = [
  defineRoute({
    method: 'post',
    path: '/accounts/:id/wallet/topups',
    auth: 'admin',
    operationId: 'topUpWallet',
    summary: 'Credit the wallet; the reference makes it idempotent',
    description:
      'The same reference again answers 200 with `replayed: true` and credits nothing; with another amount it is a 409.',
    params: accountParams,
    body: {
      schema: topUpSchema,
      limit: BODY_LIMITS.small,
      example: { amount: '500.00', reference: 'invoice-2026-0042' },
    },
    responses: {
      201: { description: 'Credited', schema: topUpResultSchema },
      200: { description: 'This reference was already applied; nothing credited again', schema: topUpResultSchema },
    },
    errors: ['account_not_found', 'topup_reference_reused'],
  }).handle(async ({ ctx, params, body }) => {
    const result = await applyTopUp(ctx, params.id, body);
    return result.replayed ? { status: 200, body: result } : { status: 201, body: result };
  }),
  defineRoute({
    method: 'get',
    path: '/accounts/:id/wallet',
    auth: 'admin',
    operationId: 'getAccountWallet',
    summary: "The account's wallet, with every total of the ledger",
    params: accountParams,
    responses: { 200: { description: 'The wallet', schema: adminWalletSchema } },
    errors: ['account_not_found'],
  }).handle(async ({ ctx, params }) => ({ status: 200, body: await walletOf(ctx, params.id) })),
  defineRoute({
    method: 'patch',
    path: '/accounts/:id/wallet',
    auth: 'admin',
    operationId: 'updateAccountWallet',
    summary: "Set the account's low-balance threshold",
    description: 'As PATCH /wallet of the public API.',
    params: accountParams,
    body: { schema: walletSettingsSchema, limit: BODY_LIMITS.small, example: { low_balance_threshold: '250.00' } },
    responses: { 200: { description: 'The wallet', schema: adminWalletSchema } },
    errors: ['account_not_found'],
  }).handle(async ({ ctx, params, body }) => {
    await requireAccount(ctx, params.id);
    return { status: 200, body: presentWallet(await updateWalletSettings(ctx, params.id, body)) };
  }),
  defineRoute({
    method: 'get',
    path: '/accounts/:id/wallet/ledger',
    auth: 'admin',
    operationId: 'listLedger',
    summary: "The wallet's ledger entries, newest first",
    description:
      'Every movement of money: top-ups, and per message its hold, capture, release, refund or refund reversal. ' +
      "`limit` (1–500, default 50) entries per page; pass the answer's `next_before` as `before` for the next, older page.",
    params: accountParams,
    query: ledgerQuerySchema,
    responses: { 200: { description: 'One page of entries', schema: ledgerPageSchema } },
    errors: ['account_not_found'],
  }).handle(async ({ ctx, params, query }) => ({ status: 200, body: await ledgerOf(ctx, params.id, query) })),
];
