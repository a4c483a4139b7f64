import { describe, expect, it } from 'vitest';
import { SEND_RETRY } from '@dak/core';
import {
  classifyMetaError,
  MARKETING_HOLD_MS,
  PAIR_RATE_MAX_WAIT_MS,
  sendRetryDecision,
  SPAM_RATE_FACTOR,
  SPAM_RATE_SLOWDOWN_MS,
  THROUGHPUT_BACKOFF_MS,
  type MetaErrorClass,
  type SendFailure,
  type SendRetryDecision,
} from '../src/index';

const now = 1_764_198_000_000;
const S = 1_000;

// What the worker does with each refusal, by Meta's code (META.md, "Errors").
describe('classifyMetaError', () => {
  it.each([
    [130429, 'throughput'],
    [131056, 'pair_rate'],
    [131057, 'transient'],
    [131000, 'transient'],
    [131016, 'transient'],
    [133004, 'transient'],
    [2, 'transient'],
    [1, 'transient'],
    [undefined, 'transient'],
    [4, 'app_rate'],
    [80007, 'app_rate'],
    [131048, 'spam_rate'],
    [131049, 'per_user_marketing'],
    [131064, 'messaging_limit'],
    [131026, 'permanent'],
    [131050, 'permanent'],
    [132001, 'permanent'],
    [190, 'permanent'],
  ] as const)('%s → %s', (code, errorClass) => {
    expect(classifyMetaError(code)).toBe(errorClass);
  });
});

describe('sendRetryDecision', () => {
  const cases: [string, Omit<SendFailure, 'now'> & { errorClass: MetaErrorClass }, SendRetryDecision][] = [
    ['transient, first try', { errorClass: 'transient', attempt: 1 }, { kind: 'retry', at: now + 1 * S }],
    ['transient, third try', { errorClass: 'transient', attempt: 3 }, { kind: 'retry', at: now + 4 * S }],
    ['transient, capped at a minute', { errorClass: 'transient', attempt: 7 }, { kind: 'retry', at: now + 60 * S }],
    ['transient, last try', { errorClass: 'transient', attempt: 8 }, { kind: 'fail', holdMarketingUntil: null }],
    ['app_rate, as transient', { errorClass: 'app_rate', attempt: 2 }, { kind: 'retry', at: now + 2 * S }],
    [
      'messaging_limit, first try: no retry',
      { errorClass: 'messaging_limit', attempt: 1 },
      { kind: 'fail', holdMarketingUntil: null },
    ],
    ['app_rate, last try', { errorClass: 'app_rate', attempt: 8 }, { kind: 'fail', holdMarketingUntil: null }],
    [
      'transient, own policy',
      { errorClass: 'transient', attempt: 2, policy: { attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000 } },
      { kind: 'retry', at: now + 1 * S },
    ],
    [
      'pair_rate, first',
      { errorClass: 'pair_rate', attempt: 1 },
      { kind: 'delay_recipient', at: now + 1 * S, pairRetries: 1 },
    ],
    [
      'pair_rate, third (4^2 s), attempts do not matter',
      { errorClass: 'pair_rate', attempt: 8, pairRetries: 2 },
      { kind: 'delay_recipient', at: now + 16 * S, pairRetries: 3 },
    ],
    [
      'pair_rate, capped at 4^5 s',
      { errorClass: 'pair_rate', attempt: 1, pairRetries: 9 },
      { kind: 'delay_recipient', at: now + 1_024 * S, pairRetries: 10 },
    ],
    ['throughput', { errorClass: 'throughput', attempt: 1 }, { kind: 'push_back_number', until: now + 1 * S }],
    [
      'throughput, attempts do not matter',
      { errorClass: 'throughput', attempt: 8 },
      { kind: 'push_back_number', until: now + 1 * S },
    ],
    [
      'spam_rate, the number halves for 10 min, the message is retried',
      { errorClass: 'spam_rate', attempt: 2 },
      { kind: 'slow_number', rateFactor: 0.5, until: now + 600 * S, retryAt: now + 2 * S },
    ],
    [
      'spam_rate, last try: the number still slows, the message fails',
      { errorClass: 'spam_rate', attempt: 8 },
      { kind: 'slow_number', rateFactor: 0.5, until: now + 600 * S, retryAt: null },
    ],
    [
      'per_user_marketing: fails, that user’s marketing held 24 h',
      { errorClass: 'per_user_marketing', attempt: 1 },
      { kind: 'fail', holdMarketingUntil: now + 86_400 * S },
    ],
    ['permanent', { errorClass: 'permanent', attempt: 1 }, { kind: 'fail', holdMarketingUntil: null }],
  ];

  it.each(cases)('%s', (_, failure, decision) => {
    expect(sendRetryDecision({ ...failure, now })).toEqual(decision);
  });

  it('covers every class', () => {
    // A Record over the union: a class added to MetaErrorClass and not listed here fails typecheck.
    const every: Record<MetaErrorClass, true> = {
      throughput: true,
      pair_rate: true,
      transient: true,
      app_rate: true,
      spam_rate: true,
      per_user_marketing: true,
      messaging_limit: true,
      permanent: true,
    };
    expect(new Set(cases.map(([, f]) => f.errorClass))).toEqual(new Set(Object.keys(every)));
  });

  it('exports the figures it uses', () => {
    expect({
      THROUGHPUT_BACKOFF_MS,
      PAIR_RATE_MAX_WAIT_MS,
      SPAM_RATE_FACTOR,
      SPAM_RATE_SLOWDOWN_MS,
      MARKETING_HOLD_MS,
      attempts: SEND_RETRY.attempts,
    }).toEqual({
      THROUGHPUT_BACKOFF_MS: 1_000,
      PAIR_RATE_MAX_WAIT_MS: 1_024_000,
      SPAM_RATE_FACTOR: 0.5,
      SPAM_RATE_SLOWDOWN_MS: 600_000,
      MARKETING_HOLD_MS: 86_400_000,
      attempts: 8,
    });
  });
});
