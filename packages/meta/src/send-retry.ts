import { retryDelay, SEND_RETRY, type RetryPolicy } from '@dak/core';
import type { MetaErrorClass } from './meta-errors';

/** 130429: how far the number's schedule is pushed back. */
export const THROUGHPUT_BACKOFF_MS = 1_000;
/** 131056: the n-th delay of one message for its recipient is 4^n × this (1 s, 4 s, 16 s …). */
export const PAIR_RATE_BASE_MS = 1_000;
/** 131056: the longest such delay (4^5 s, about 17 min). */
export const PAIR_RATE_MAX_WAIT_MS = 4 ** 5 * PAIR_RATE_BASE_MS;
/**
 * 131048: the number sends at its rate × this factor for SPAM_RATE_SLOWDOWN_MS. Meta gives no
 * figure; halving is a clear drop in volume that still moves a backlog, and ten minutes lets
 * the blocks and reports that caused it age before the number speeds up again.
 */
export const SPAM_RATE_FACTOR = 0.5;
export const SPAM_RATE_SLOWDOWN_MS = 10 * 60_000;
/** 131049: how long that user's marketing is held (Meta: do not retry within 24 h). */
export const MARKETING_HOLD_MS = 24 * 3_600_000;

export interface SendFailure {
  /** `classifyMetaError(error.code)` of Meta's refusal; a send Meta never answered is `transient`. */
  errorClass: MetaErrorClass;
  /** The try that just failed, 1 for the first (BullMQ's `attemptsMade` after it failed). */
  attempt: number;
  /** Epoch milliseconds. */
  now: number;
  /** How many times this message was already delayed for its recipient (131056); 0 or absent at first. */
  pairRetries?: number;
  /** Default SEND_RETRY. */
  policy?: RetryPolicy;
}

export type SendRetryDecision =
  /** Meta may take it later: back to `queued`, sent again at `at`. Spends an attempt. */
  | { kind: 'retry'; at: number }
  /**
   * Only this recipient is too busy (131056): this message alone waits until `at` (4^n s, n =
   * its earlier pair delays, capped); the job carries `pairRetries` on. No attempt spent; the
   * number's other sends go on.
   */
  | { kind: 'delay_recipient'; at: number; pairRetries: number }
  /**
   * The number is past its throughput (130429): nothing is sent from it before `until`, and
   * this message takes a fresh slot from then. No attempt spent.
   */
  | { kind: 'push_back_number'; until: number }
  /**
   * Meta blocks the number's messages as spam (131048): the number sends at its rate ×
   * `rateFactor` until `until` (a later 131048 extends the period; the factor does not
   * compound). This message goes back to `queued` for `retryAt`, in the slowed schedule, and
   * spends an attempt; `retryAt` null means its tries are spent: fail it (the number slows all
   * the same).
   */
  | { kind: 'slow_number'; rateFactor: number; until: number; retryAt: number | null }
  /**
   * Never send it as it is: it fails and its hold is refunded. `holdMarketingUntil` (131049):
   * also record a marketing hold for the message's account and recipient until then
   * (`holdMarketing` in @dak/db), so no marketing goes to that user before it.
   */
  | { kind: 'fail'; holdMarketingUntil: number | null };

/**
 * What to do with a send Meta refused or never answered, by the class of its error (META.md,
 * "Errors"). Pure: the caller carries it out. The message's template category plays no part:
 * Meta alone decides what counts as marketing (it recategorises templates), so its 131049
 * holds whatever Dak had recorded.
 */
export function sendRetryDecision(failure: SendFailure): SendRetryDecision {
  const { errorClass, attempt, now } = failure;
  const policy = failure.policy ?? SEND_RETRY;
  const retryAt = attempt < policy.attempts ? now + retryDelay(policy, attempt) : null;
  switch (errorClass) {
    case 'transient':
    case 'app_rate':
      return retryAt === null ? { kind: 'fail', holdMarketingUntil: null } : { kind: 'retry', at: retryAt };
    case 'pair_rate': {
      const earlier = failure.pairRetries ?? 0;
      const wait = Math.min(4 ** earlier * PAIR_RATE_BASE_MS, PAIR_RATE_MAX_WAIT_MS);
      return { kind: 'delay_recipient', at: now + wait, pairRetries: earlier + 1 };
    }
    case 'throughput':
      return { kind: 'push_back_number', until: now + THROUGHPUT_BACKOFF_MS };
    case 'spam_rate':
      return { kind: 'slow_number', rateFactor: SPAM_RATE_FACTOR, until: now + SPAM_RATE_SLOWDOWN_MS, retryAt };
    case 'per_user_marketing':
      return { kind: 'fail', holdMarketingUntil: now + MARKETING_HOLD_MS };
    // A retry within the day meets the same limit: fail it, and the message's error says why.
    case 'messaging_limit':
    case 'permanent':
      return { kind: 'fail', holdMarketingUntil: null };
  }
}
