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

/** How a callback that got no 2xx is tried again: doubling from `baseDelayMs` up to `maxDelayMs`, for `windowMs`. */
export interface CallbackRetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** From the first attempt; past it the delivery is parked as failed. */
  windowMs: number;
}

/**
 * When a callback's next attempt is due after attempt number `attempt` failed, or null when the
 * retry window is over (park it). The delay doubles per attempt up to the cap, drawn between
 * half of it and all of it ("equal jitter") so an endpoint that was down is not hit by every
 * retry at the same instant when it comes back. The last attempt falls exactly at the window's
 * end, so every delivery is tried for the whole window.
 */
export function nextCallbackAttemptAt(
  policy: CallbackRetryPolicy,
  attempt: number,
  firstAttemptAt: Date,
  now: Date,
  random: () => number = Math.random,
): Date | null {
  const deadline = firstAttemptAt.getTime() + policy.windowMs;
  if (now.getTime() >= deadline) return null;
  const capped = Math.min(policy.baseDelayMs * 2 ** Math.max(0, attempt - 1), policy.maxDelayMs);
  const delay = capped / 2 + (random() * capped) / 2;
  return new Date(Math.min(now.getTime() + delay, deadline));
}
