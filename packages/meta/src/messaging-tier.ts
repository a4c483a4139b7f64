import { DakError, ServiceUnavailableError } from '@dak/core';
import { GraphApiError, UnexpectedAnswerError, type GraphClient } from './graph-client';

/**
 * Meta's messaging limit tiers as the Graph API names them, and the unique users each allows
 * per rolling 24 h (null: unlimited). Meta retired TIER_50 and TIER_1K when it moved to 250 /
 * 2,000 / …; a name not listed here is unknown, and Dak keeps the tier it has rather than guess.
 */
export const META_MESSAGING_TIERS: Readonly<Record<string, number | null>> = {
  TIER_250: 250,
  TIER_2K: 2_000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: null,
};

/** The unique users per 24 h a tier name allows (null: unlimited), or undefined for a name Dak does not know. */
export function parseMessagingLimitTier(name: string): number | null | undefined {
  return Object.hasOwn(META_MESSAGING_TIERS, name) ? META_MESSAGING_TIERS[name] : undefined;
}

/**
 * The messaging tier Meta reports on a phone number, as unique users per 24 h (null:
 * unlimited), with Meta's failures told as Dak's errors: DakError `meta_refused` (Meta answered
 * 4xx: the number's id or token is wrong), `meta_unexpected_answer` (a tier name Dak does not
 * know, or no tier at all), and ServiceUnavailableError when Meta did not answer; the original
 * error is its `cause`. Messages never carry the access token.
 */
export async function fetchMessagingTier(
  graph: GraphClient,
  metaPhoneNumberId: string,
  accessToken: string,
): Promise<number | null> {
  let name: string;
  try {
    name = await graph.getMessagingLimitTier(metaPhoneNumberId, accessToken);
  } catch (error) {
    if (error instanceof GraphApiError && error.httpStatus < 500) {
      throw new DakError(
        'meta_refused',
        `Meta refused to read the messaging tier of phone number ${metaPhoneNumberId}: ${error.error?.message ?? `HTTP ${error.httpStatus}`}. Check the number's id and access token.`,
        { meta_phone_number_id: metaPhoneNumberId, meta_error: error.error },
      );
    }
    if (error instanceof UnexpectedAnswerError) throw unexpected(metaPhoneNumberId, 'no messaging_limit_tier');
    const unavailable = new ServiceUnavailableError(
      `The Cloud API did not answer the messaging tier of phone number ${metaPhoneNumberId}. Retry shortly.`,
      30,
    );
    unavailable.cause = error;
    throw unavailable;
  }
  const tier = parseMessagingLimitTier(name);
  if (tier === undefined) throw unexpected(metaPhoneNumberId, `messaging_limit_tier "${name.slice(0, 40)}"`);
  return tier;
}

function unexpected(metaPhoneNumberId: string, what: string): DakError {
  return new DakError(
    'meta_unexpected_answer',
    `Meta answered ${what} for phone number ${metaPhoneNumberId}, which is not one of the tiers Dak knows (${Object.keys(META_MESSAGING_TIERS).join(', ')}); the stored tier was left as it was. Set it with PATCH /accounts/{id} {"messaging_tier"} if it is wrong.`,
    { meta_phone_number_id: metaPhoneNumberId },
  );
}
