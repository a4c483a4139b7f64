import type { RequestHandler, Response } from 'express';
import { DakError } from '@dak/core';
import { RequestRateLimiter, type LimitDecision, type RequestLimit } from '@dak/queue';
import type { ApiContext } from '../context';
import { principalOf } from './auth';

const SCOPE_NAMES = { key: 'this API key', account: 'your account (all its keys together)' } as const;

/** IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers): the limit closest to refusing. */
function setRateLimitHeaders(res: Response, decision: LimitDecision): void {
  const { limit, remaining, resetMs } = decision.binding;
  res.setHeader('RateLimit-Limit', String(limit.requestsPerSecond));
  res.setHeader('RateLimit-Remaining', String(remaining));
  res.setHeader('RateLimit-Reset', String(Math.ceil(resetMs / 1000)));
  res.setHeader('RateLimit-Policy', `${limit.requestsPerSecond};w=1`);
}

/**
 * Counts each request of the public API against its key's limit and, when the operator set one,
 * its account's; runs after authentication and before the body is read, so a refused request
 * costs no parsing and stores nothing. A request counts once whatever it carries (a batch too).
 */
export function rateLimit(ctx: ApiContext): RequestHandler {
  const limiter = new RequestRateLimiter(ctx.redis, ctx.config.redis.prefix);
  return async (req, res, next) => {
    const principal = principalOf(req);
    const limits: RequestLimit[] = [
      { scope: `key:${principal.keyId}`, requestsPerSecond: principal.requestsPerSecond },
    ];
    if (principal.account.requests_per_second !== null) {
      limits.push({
        scope: `account:${principal.accountId}`,
        requestsPerSecond: principal.account.requests_per_second,
      });
    }
    let decision: LimitDecision;
    try {
      decision = await limiter.take(limits);
    } catch (error) {
      // Redis carries only counters here: without it, requests go unlimited rather than refused.
      ctx.logger.warn({ err: error }, 'rate limit not checked: Redis unavailable');
      next();
      return;
    }
    setRateLimitHeaders(res, decision);
    if (!decision.allowed) {
      const retryAfter = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      res.setHeader('Retry-After', String(retryAfter));
      const { limit } = decision.binding;
      const scope = limit.scope.startsWith('account:') ? 'account' : 'key';
      throw new DakError(
        'rate_limited',
        `Too many requests: ${SCOPE_NAMES[scope]} allows ${limit.requestsPerSecond} requests per second. Retry after ${retryAfter} s (Retry-After), ` +
          'spread requests out, or ask the operator for a higher limit. Nothing was done for this request.',
        { scope, requests_per_second: limit.requestsPerSecond, retry_after_seconds: retryAfter },
      );
    }
    next();
  };
}
