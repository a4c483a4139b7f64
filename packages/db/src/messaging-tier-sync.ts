import { DakError, decryptSecret } from '@dak/core';
import type { Database } from './database';
import { findAccountById, recordMetaMessagingTier } from './repositories/accounts';
import { listPhoneNumbers } from './repositories/phone-numbers';
import { reachAfterTierChange } from './repositories/recipient-reach';
import type { Account } from './schema/index';

/** Reads the tier Meta reports on a number (in Dak, @dak/meta's fetchMessagingTier): unique users per 24 h, null = unlimited. */
export type MessagingTierReader = (metaPhoneNumberId: string, accessToken: string) => Promise<number | null>;

export interface MessagingTierSyncResult {
  account: Account;
  /** Whether the stored tier is now different from before. */
  changed: boolean;
  /** What each of the account's numbers answered: a tier, or why it gave none. */
  numbers: { meta_phone_number_id: string; tier: number | null | undefined; error?: unknown }[];
}

/**
 * Stores the messaging tier Meta reports on the account's phone numbers, with source `meta`,
 * for the admin API's on-demand sync and the worker's periodic one. Meta's report wins over a
 * tier an operator set: Meta enforces its own. The limit is per business portfolio, so every
 * number reports the same tier; should they differ (Meta mid-upgrade), the lowest is kept, as
 * refusing up front is better than Meta failing messages one by one. A number whose read fails
 * (Meta refused it, did not answer, or named a tier Dak does not know) is left out; when none
 * answered, nothing changes and the first number's error is thrown. An account that becomes
 * tiered gets its reach rebuilt, as when an operator sets its first tier.
 *
 * Throws DakError `account_not_found`, `no_access_token` (no phone number to ask about), and
 * whatever `readTier` throws when every number failed.
 */
export async function syncAccountMessagingTier(
  db: Database,
  readTier: MessagingTierReader,
  encryptionKey: Buffer,
  accountId: string,
): Promise<MessagingTierSyncResult> {
  const account = await findAccountById(db, accountId);
  if (!account) throw new DakError('account_not_found', `No account "${accountId}".`);
  const phones = await listPhoneNumbers(db, accountId);
  if (phones.length === 0) {
    throw new DakError(
      'no_access_token',
      'Add a phone number (with its access token) to this account before reading its messaging tier from Meta; until then the tier is what PATCH /accounts/{id} {"messaging_tier"} set.',
    );
  }
  const syncedAt = new Date();
  const numbers: MessagingTierSyncResult['numbers'] = [];
  for (const phone of phones) {
    try {
      const tier = await readTier(
        phone.meta_phone_number_id,
        decryptSecret(phone.access_token_encrypted, encryptionKey),
      );
      numbers.push({ meta_phone_number_id: phone.meta_phone_number_id, tier });
    } catch (error) {
      numbers.push({ meta_phone_number_id: phone.meta_phone_number_id, tier: undefined, error });
    }
  }
  const reported = numbers.filter((n) => n.tier !== undefined).map((n) => n.tier as number | null);
  if (reported.length === 0) throw numbers[0]!.error;
  const limited = reported.filter((t): t is number => t !== null);
  const tier = limited.length > 0 ? Math.min(...limited) : null;
  const stored = await db.transaction().execute(async (trx) => {
    const row = await recordMetaMessagingTier(trx, accountId, tier, syncedAt);
    if (row) await reachAfterTierChange(trx, accountId, row.previousTier, tier);
    return row;
  });
  if (!stored) throw new DakError('account_not_found', `No account "${accountId}".`);
  return { account: stored.account, changed: stored.previousTier !== tier, numbers };
}
