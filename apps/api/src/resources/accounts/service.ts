import type { z } from 'zod';
import { DakError, newId } from '@dak/core';
import {
  createWallet,
  findAccountById,
  findAccountByWabaId,
  insertAccount,
  lockMessagingTier,
  reachAfterTierChange,
  updateAccount as updateAccountRow,
  type Account,
} from '@dak/db';
import type { ApiContext } from '../../context';
import { minor } from '../requests';
import type { createAccountSchema, updateAccountSchema } from './schema';

const minorPrices = (prices: Record<string, string>) =>
  Object.fromEntries(Object.entries(prices).map(([k, v]) => [k, minor(v)]));

export async function requireAccount(ctx: ApiContext, id: string): Promise<Account> {
  const account = await findAccountById(ctx.db, id);
  if (!account) throw new DakError('account_not_found', `No account "${id}".`);
  return account;
}

export async function createAccount(ctx: ApiContext, input: z.infer<typeof createAccountSchema>) {
  if (await findAccountByWabaId(ctx.db, input.waba_id)) {
    throw new DakError('account_exists', `An account for WABA ${input.waba_id} already exists.`);
  }
  const currency = input.currency ?? ctx.config.pricing.currency;
  return ctx.db.transaction().execute(async (trx) => {
    const account = await insertAccount(trx, {
      id: newId('acc'),
      name: input.name,
      waba_id: input.waba_id,
      currency,
      price_minor: input.price ? minor(input.price) : ctx.config.pricing.defaultPriceMinor,
      category_prices: minorPrices(input.category_prices ?? {}),
    });
    await createWallet(trx, account.id, currency, ctx.config.pricing.lowBalanceThresholdMinor);
    return account;
  });
}

/**
 * A new price applies to messages accepted from now on: each message keeps the price it was
 * held at. `category_prices` replaces the whole map (`{}` removes every category price).
 */
export async function updateAccount(
  ctx: ApiContext,
  id: string,
  input: z.infer<typeof updateAccountSchema>,
): Promise<Account> {
  const tier =
    input.messaging_tier === undefined ? undefined : input.messaging_tier === 'unlimited' ? null : input.messaging_tier;
  const updated = await ctx.db.transaction().execute(async (trx) => {
    // The tier before, read under the row lock: the Meta tier sync may change it concurrently.
    const before = tier !== undefined ? await lockMessagingTier(trx, id) : undefined;
    const row = await updateAccountRow(trx, id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.price !== undefined ? { price_minor: minor(input.price) } : {}),
      ...(input.category_prices ? { category_prices: minorPrices(input.category_prices) } : {}),
      ...(input.requests_per_second !== undefined ? { requests_per_second: input.requests_per_second } : {}),
      ...(input.charge_free_messages !== undefined ? { charge_free_messages: input.charge_free_messages } : {}),
      ...(tier !== undefined ? { messaging_tier: tier } : {}),
      ...(input.session_price !== undefined ? { session_price_minor: minor(input.session_price) } : {}),
    });
    if (row && before && tier !== undefined) await reachAfterTierChange(trx, id, before.messaging_tier, tier);
    return row;
  });
  if (!updated) throw new DakError('account_not_found', `No account "${id}".`);
  return updated;
}
