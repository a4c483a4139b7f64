import type { z } from 'zod';
import { formatMinor } from '@dak/core';
import type { Account, Wallet } from '@dak/db';
import { presentWallet } from '../wallet/presenter';
import type { accountSchema } from './schema';

export function presentAccount(account: Account, wallet?: Wallet): z.infer<typeof accountSchema> {
  return {
    id: account.id,
    name: account.name,
    waba_id: account.waba_id,
    currency: account.currency,
    price: formatMinor(account.price_minor),
    category_prices: Object.fromEntries(Object.entries(account.category_prices).map(([k, v]) => [k, formatMinor(v)])),
    session_price: formatMinor(account.session_price_minor),
    requests_per_second: account.requests_per_second,
    charge_free_messages: account.charge_free_messages,
    messaging_tier: presentTier(account.messaging_tier),
    messaging_tier_source: account.messaging_tier_source,
    messaging_tier_synced_at: account.messaging_tier_synced_at?.toISOString() ?? null,
    created_at: account.created_at.toISOString(),
    ...(wallet ? { wallet: presentWallet(wallet) } : {}),
  };
}

export function presentTier(tier: number | null): z.infer<typeof accountSchema>['messaging_tier'] {
  if (tier === null) return 'unlimited';
  if (tier === 250 || tier === 2_000 || tier === 10_000 || tier === 100_000) return tier;
  // Only the admin API and the sync write the column, with one of Meta's tiers; anything else reads as the next tier down.
  return tier >= 100_000 ? 100_000 : tier >= 10_000 ? 10_000 : tier >= 2_000 ? 2_000 : 250;
}
