import type { z } from 'zod';
import { DakError, ServiceUnavailableError } from '@dak/core';
import { syncAccountMessagingTier } from '@dak/db';
import { fetchMessagingTier } from '@dak/meta';
import type { ApiContext } from '../../context';
import { presentAccount, presentTier } from './presenter';
import type { messagingTierSyncSchema } from './schema';

type SyncAnswer = z.infer<typeof messagingTierSyncSchema>;

/**
 * Reads the account's messaging tier from Meta now and stores it (see syncAccountMessagingTier:
 * Meta's report replaces a tier an operator set). A number Meta would not answer for is logged
 * and shown in the answer; when none answered, the tier is unchanged and the first number's
 * error is the answer.
 */
export async function syncMessagingTier(ctx: ApiContext, accountId: string): Promise<SyncAnswer> {
  try {
    const result = await syncAccountMessagingTier(
      ctx.db,
      (metaPhoneNumberId, token) => fetchMessagingTier(ctx.graph, metaPhoneNumberId, token),
      ctx.config.encryptionKey,
      accountId,
    );
    for (const number of result.numbers.filter((n) => n.error !== undefined)) {
      ctx.logger.warn(
        { err: number.error, accountId, metaPhoneNumberId: number.meta_phone_number_id },
        "could not read a number's messaging tier from Meta",
      );
    }
    return {
      account: presentAccount(result.account),
      changed: result.changed,
      numbers: result.numbers.map((n) => ({
        meta_phone_number_id: n.meta_phone_number_id,
        messaging_tier: n.tier === undefined ? null : presentTier(n.tier),
        error: n.error === undefined ? null : describe(n.error),
      })),
    };
  } catch (error) {
    if (!(error instanceof DakError) || error instanceof ServiceUnavailableError)
      ctx.logger.warn({ err: error, accountId }, 'messaging tier sync failed; the tier is unchanged');
    throw error;
  }
}

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof DakError) return { code: error.code, message: error.message };
  return { code: 'internal_error', message: 'Reading the tier failed inside Dak; see its log.' };
}
