import { DakError } from '@dak/core';
import { findWallet } from '@dak/db';
import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { accountParams } from '../accounts/schema';
import { presentPublicWallet } from './presenter';
import {
  adminWalletSchema,
  ledgerPageSchema,
  ledgerQuerySchema,
  publicWalletSchema,
  topUpResultSchema,
  topUpSchema,
} from './schema';
import { applyTopUp, ledgerOf, walletOf } from './service';

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
  }).handle(async ({ ctx, principal }) => {
    const wallet = await findWallet(ctx.db, principal.accountId);
    if (!wallet)
      throw new DakError('wallet_not_found', 'This account has no wallet yet. Ask the operator to top it up.');
    return { status: 200, body: presentPublicWallet(wallet) };
  }),
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
