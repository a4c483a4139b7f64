/** How a send that failed with a retryable error is tried again: exponential from `baseDelayMs`, capped. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Sends: 1 s, 2 s, 4 s … up to a minute (Meta's transient errors clear within that), 8 tries. */
export const SEND_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 1_000, maxDelayMs: 60_000 };

/** The wait before the next try, after `attemptsMade` failed tries (1 for the first retry). */
export function retryDelay(policy: RetryPolicy, attemptsMade: number): number {
  return Math.min(policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1), policy.maxDelayMs);
}
