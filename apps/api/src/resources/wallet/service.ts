import type { z } from 'zod';
import { DakError, formatMinor } from '@dak/core';
import { findWallet, listLedger, topUp } from '@dak/db';
import type { ApiContext } from '../../context';
import { requireAccount } from '../accounts/service';
import { minor } from '../requests';
import { presentLedgerEntry, presentWallet } from './presenter';
import type { ledgerQuerySchema, topUpSchema } from './schema';

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
