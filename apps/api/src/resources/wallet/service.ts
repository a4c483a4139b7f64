import type { z } from 'zod';
import { DakError, formatMinor } from '@dak/core';
import { findWallet, listLedger, setLowBalanceThreshold, topUp, type Wallet } from '@dak/db';
import type { ApiContext } from '../../context';
import { requireAccount } from '../accounts/service';
import { minor } from '../requests';
import { presentLedgerEntry, presentWallet } from './presenter';
import type { ledgerQuerySchema, topUpSchema, walletSettingsSchema } from './schema';

export async function applyTopUp(ctx: ApiContext, accountId: string, input: z.infer<typeof topUpSchema>) {
  await requireAccount(ctx, accountId);
  const result = await ctx.db
    .transaction()
    .execute((trx) => topUp(trx, accountId, minor(input.amount), input.reference));
  if (result.outcome === 'conflict') {
    throw new DakError(
      'topup_reference_reused',
      `Reference "${input.reference}" was already used for a top-up of ${formatMinor(result.amountMinor)}. Use a new reference for a new top-up.`,
    );
  }
  return { replayed: result.outcome === 'replayed', wallet: presentWallet(result.wallet) };
}

export async function walletOf(ctx: ApiContext, accountId: string) {
  await requireAccount(ctx, accountId);
  return presentWallet((await findWallet(ctx.db, accountId))!);
}

/** The account's wallet; a wallet is made with its account, so only a half-made account lacks one. */
export async function requireWallet(ctx: ApiContext, accountId: string): Promise<Wallet> {
  const wallet = await findWallet(ctx.db, accountId);
  if (!wallet) throw new DakError('wallet_not_found', 'This account has no wallet yet. Ask the operator to top it up.');
  return wallet;
}

/** Changes the wallet's settings (its low-balance threshold; the alert re-arms) and answers the wallet. */
export async function updateWalletSettings(
  ctx: ApiContext,
  accountId: string,
  input: z.infer<typeof walletSettingsSchema>,
): Promise<Wallet> {
  await requireWallet(ctx, accountId);
  await setLowBalanceThreshold(ctx.db, accountId, minor(input.low_balance_threshold));
  return requireWallet(ctx, accountId);
}

/** Newest first; `next_before` is the cursor for the next page, null on the last one. */
export async function ledgerOf(ctx: ApiContext, accountId: string, query: z.infer<typeof ledgerQuerySchema>) {
  await requireAccount(ctx, accountId);
  const rows = await listLedger(ctx.db, accountId, {
    limit: query.limit + 1,
    ...(query.before !== undefined ? { before: query.before } : {}),
  });
  const page = rows.slice(0, query.limit);
  return {
    entries: page.map(presentLedgerEntry),
    next_before: rows.length > query.limit ? Number(page.at(-1)!.id) : null,
  };
}
