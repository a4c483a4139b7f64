import { DakError } from '@dak/core';
import { reachToday, type Database, type MessageToAccept } from '@dak/db';

/** The recipients that count toward the tier: session messages (replies inside the customer's window) do not. */
export const recipientsOf = (rows: readonly MessageToAccept[]): string[] => [
  ...new Set(rows.filter((r) => r.kind !== 'session').map((r) => r.recipient)),
];

/**
 * The 422 for a request whose new recipients do not fit what is left of the account's tier
 * today; undefined when they fit (the refusal was about money). Meta counts unique users per
 * rolling 24 hours per business portfolio (an account here), so recipients the account reached
 * in the last 24 hours are free and only new ones spend the budget.
 */
export async function messagingLimitExceeded(
  db: Database,
  accountId: string,
  recipients: readonly string[],
  tier: number,
): Promise<DakError | undefined> {
  const { used, fresh } = await reachToday(db, accountId, recipients);
  if (fresh === 0 || used + fresh <= tier) return undefined;
  const remaining = Math.max(0, tier - used);
  const tierText = tier.toLocaleString('en-US');
  return new DakError(
    'messaging_limit_exceeded',
    `This account's messaging tier is ${tierText} unique users per rolling 24 hours; ${remaining} ${remaining === 1 ? 'is' : 'are'} left now and this request needs ${fresh} new ${fresh === 1 ? 'one' : 'ones'}, so nothing was stored or held. ` +
      'Send to at most the remaining number of new recipients (recipients messaged in the last 24 hours do not count again), ' +
      "retry once earlier sends are more than 24 hours old, or, after Meta raised the portfolio's limit, have Dak read it with POST /accounts/{id}/messaging-tier/sync " +
      '(the worker also reads it periodically) or set it with PATCH /accounts/{id} {"messaging_tier"}.',
    { messaging_tier: tier, used, remaining, needed: fresh },
  );
}
