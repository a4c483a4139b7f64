import { DakError } from '@dak/core';
import { listAccounts, syncAccountMessagingTier } from '@dak/db';
import { fetchMessagingTier } from '@dak/meta';
import type { WorkerContext } from './context';

export interface MessagingTierSyncSummary {
  accounts: number;
  changed: number;
  failed: number;
}

/**
 * The periodic messaging tier sync: every account in turn, each of its numbers read from Meta
 * (see syncAccountMessagingTier: Meta's report replaces a tier an operator set). A number Meta
 * would not answer for is logged and the others still count; an account none of whose numbers
 * answered keeps its tier, is logged, and is tried again next run. Logs carry Meta's error, never
 * the access token.
 */
export async function syncAllMessagingTiers(ctx: WorkerContext): Promise<MessagingTierSyncSummary> {
  const summary: MessagingTierSyncSummary = { accounts: 0, changed: 0, failed: 0 };
  for (const account of await listAccounts(ctx.db)) {
    try {
      const result = await syncAccountMessagingTier(
        ctx.db,
        (metaPhoneNumberId, token) => fetchMessagingTier(ctx.graph, metaPhoneNumberId, token),
        ctx.config.encryptionKey,
        account.id,
      );
      summary.accounts += 1;
      for (const number of result.numbers.filter((n) => n.error !== undefined)) {
        ctx.logger.warn(
          { err: number.error, accountId: account.id, metaPhoneNumberId: number.meta_phone_number_id },
          "could not read a number's messaging tier from Meta; the account's other numbers gave it",
        );
      }
      if (result.changed) {
        summary.changed += 1;
        ctx.logger.info(
          { accountId: account.id, from: account.messaging_tier, to: result.account.messaging_tier },
          "the account's messaging tier changed: Meta reported another",
        );
      }
    } catch (error) {
      // An account without a phone number has nothing to ask Meta about: its tier is the admin's.
      if (error instanceof DakError && error.code === 'no_access_token') continue;
      summary.failed += 1;
      ctx.logger.warn(
        { err: error, accountId: account.id },
        'periodic messaging tier sync failed for an account; its tier is unchanged',
      );
    }
  }
  return summary;
}
