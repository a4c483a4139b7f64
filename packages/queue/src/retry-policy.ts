import type { BackoffStrategy, JobsOptions } from 'bullmq';
import { retryDelay, type RetryPolicy } from '@dak/core';

// The policy's numbers are pure (@dak/core, where the send-retry decision reads them too); what
// BullMQ needs to follow them is here.
export { retryDelay, SEND_RETRY, type RetryPolicy } from '@dak/core';

/**
 * The job options that make BullMQ follow the policy. BullMQ's own strategies (`fixed`,
 * `exponential`) have no cap; any other type makes it ask the worker's `backoffStrategy`,
 * which must therefore be `retryBackoff(policy)` for the same policy.
 */
export function retryJobOptions(policy: RetryPolicy): Pick<JobsOptions, 'attempts' | 'backoff'> {
  return { attempts: policy.attempts, backoff: { type: 'custom' } };
}

/** The worker setting that computes the policy's delays (see retryJobOptions). */
export function retryBackoff(policy: RetryPolicy): BackoffStrategy {
  return (attemptsMade) => retryDelay(policy, attemptsMade);
}
