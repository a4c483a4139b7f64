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
    requests_per_second: account.requests_per_second,
    charge_free_messages: account.charge_free_messages,
    created_at: account.created_at.toISOString(),
    ...(wallet ? { wallet: presentWallet(wallet) } : {}),
  };
}
