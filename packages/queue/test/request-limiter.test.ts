import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { useTestRedis } from '@dak/dev-env';
import { RequestRateLimiter, type RequestLimit } from '../src/request-limiter';

// The public API's request limiter on a real Redis. It runs on Redis's clock, so where time
// passes between calls the bounds below are derived from the time measured around them.
describe('request limiter', () => {
  const redis = useTestRedis('requests');
  const limiter = () => new RequestRateLimiter(redis.connect(), redis.prefix);
  const limit = (requestsPerSecond: number, label = 'key'): RequestLimit => ({
    scope: `${label}:${randomBytes(6).toString('hex')}`,
    requestsPerSecond,
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Runs `body` and answers how many milliseconds it took. */
  async function timed<T>(body: () => Promise<T>): Promise<[T, number]> {
    const start = performance.now();
    const result = await body();
    return [result, performance.now() - start];
  }

  it("a burst of one second's worth goes through, the next is refused with how long to wait", async () => {
    const requests = limiter();
    const key = limit(5); // a request every 200 ms, 5 at once
    const [[first, ...rest], elapsed] = await timed(async () => {
      const first = await requests.take([key]);
      return [first, ...(await Promise.all(Array.from({ length: 5 }, () => requests.take([key]))))];
    });
    expect(first).toEqual({ allowed: true, retryAfterMs: 0, binding: { limit: key, remaining: 4, resetMs: 200 } });
    expect(rest.map((d) => [d.allowed, d.binding.remaining])).toEqual([
      [true, 3],
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    // The first slot frees 200 ms after the first request: what is left of that, to the millisecond.
    const refused = rest[4]!;
    expect(refused.retryAfterMs).toBeLessThanOrEqual(200);
    expect(refused.retryAfterMs).toBeGreaterThan(200 - elapsed - 1);
    // The whole burst is back 1 s after the first request.
    expect(refused.binding.resetMs).toBeCloseTo(refused.retryAfterMs + 800, 2);

    const again = await requests.take([key]);
    expect(again.allowed).toBe(false);
    expect(again.retryAfterMs).toBeLessThanOrEqual(refused.retryAfterMs);
  });

  it('a refused request consumes nothing: once the wait is over exactly one more goes through', async () => {
    const requests = limiter();
    // 1/s, so a timer that wakes late still finds one slot free, not two: it has a second of slack.
    const key = limit(1);
    expect((await requests.take([key])).allowed).toBe(true);
    const refused = await Promise.all(Array.from({ length: 3 }, () => requests.take([key])));
    expect(refused.map((d) => d.allowed)).toEqual([false, false, false]);
    const wait = Math.max(...refused.map((d) => d.retryAfterMs));
    expect(wait).toBeLessThanOrEqual(1_000);
    await sleep(wait + 5);
    const [allowed, refusedAgain] = await Promise.all([requests.take([key]), requests.take([key])]);
    expect([allowed!.allowed, refusedAgain!.allowed]).toEqual([true, false]);
    expect(refusedAgain!.retryAfterMs).toBeGreaterThan(0);
    expect(refusedAgain!.retryAfterMs).toBeLessThanOrEqual(1_000);
  });

  it('a changed limit carries over the requests owed, not the old rate in time', async () => {
    const requests = limiter();
    const slow = limit(1);
    expect((await requests.take([slow])).allowed).toBe(true);
    expect((await requests.take([slow])).allowed).toBe(false);
    // Raised to 100/s: the one request owed is 10 ms at the new rate, so the new burst is there
    // at once (under the old rate's second it would be refused for most of a second).
    const fast = { ...slow, requestsPerSecond: 100 };
    const [[decisions, lowered], elapsed] = await timed(async () => {
      const decisions = await Promise.all(Array.from({ length: 50 }, () => requests.take([fast])));
      // Lowered back to 1/s: the ~50 requests still owed are ~50 s at that rate, not the ~500 ms
      // they were at the fast rate. Each 10 ms that passed meanwhile paid one back.
      return [decisions, await requests.take([slow])] as const;
    });
    expect(decisions.map((d) => d.allowed)).toEqual(Array(50).fill(true));
    expect(lowered.allowed).toBe(false);
    // At least 500 ms owed at the fast rate when the burst began, less what has passed since,
    // counted at 1 s a request. (The old rate in time would be under 510 ms.)
    expect(lowered.retryAfterMs).toBeGreaterThanOrEqual((500 - elapsed) * 100 - 1);
    expect(lowered.retryAfterMs).toBeGreaterThan(1_000);
    expect(lowered.retryAfterMs).toBeLessThanOrEqual(51_000);
  });

  it('holds its rate over time: a burst plus one request per interval', async () => {
    const requests = limiter();
    const key = limit(50); // one every 20 ms
    const start = performance.now();
    let firstEnd = 0;
    let lastStart = 0;
    let allowed = 0;
    let tries = 0;
    while (performance.now() - start < 300) {
      lastStart = performance.now();
      tries++;
      if ((await requests.take([key])).allowed) allowed++;
      firstEnd ||= performance.now();
    }
    const elapsed = performance.now() - start;
    expect(tries).toBeGreaterThan(allowed);
    // Redis saw the first and the last request at most `elapsed` apart, and at least
    // `lastStart - firstEnd`; one more may be lost where the last tries straddle a slot.
    expect(allowed).toBeLessThanOrEqual(50 + Math.floor(elapsed / 20));
    expect(allowed).toBeGreaterThanOrEqual(50 + Math.floor((lastStart - firstEnd) / 20) - 1);
  });

  it('requests from many connections at once never exceed the burst', async () => {
    const callers = Array.from({ length: 6 }, () => limiter());
    const key = limit(10); // one every 100 ms
    const [decisions, elapsed] = await timed(() =>
      Promise.all(callers.flatMap((c) => Array.from({ length: 10 }, () => c.take([key])))),
    );
    const allowed = decisions.filter((d) => d.allowed).length;
    // Exactly the burst, plus one per 100 ms the 60 calls took.
    expect(allowed).toBeGreaterThanOrEqual(10);
    expect(allowed).toBeLessThanOrEqual(10 + Math.floor(elapsed / 100));
  });

  it('a key and its account: the tighter refuses, says so, and the refused request advances neither', async () => {
    const requests = limiter();
    const key = limit(10, 'key'); // one every 100 ms
    const account = limit(4, 'account'); // one every 250 ms
    const [decisions, elapsed] = await timed(() =>
      Promise.all(Array.from({ length: 5 }, () => requests.take([key, account]))),
    );
    expect(decisions.map((d) => [d.allowed, d.binding.limit.scope, d.binding.remaining])).toEqual([
      [true, account.scope, 3],
      [true, account.scope, 2],
      [true, account.scope, 1],
      [true, account.scope, 0],
      [false, account.scope, 0],
    ]);
    const refused = decisions[4]!;
    expect(refused.retryAfterMs).toBeLessThanOrEqual(250);
    expect(refused.retryAfterMs).toBeGreaterThan(250 - elapsed - 1);
    // The key's schedule holds the four requests that went through, not the refused one.
    expect(await requests.take([key])).toMatchObject({ allowed: true, binding: { remaining: 5 } });
  });

  it('Retry-After is the time to the next slot: about a second at 1/s, half of one at 2/s', async () => {
    const requests = limiter();
    for (const [rate, interval] of [
      [1, 1_000],
      [2, 500],
    ] as const) {
      const key = limit(rate);
      const [decisions, elapsed] = await timed(() =>
        Promise.all(Array.from({ length: rate + 1 }, () => requests.take([key]))),
      );
      const refused = decisions[rate]!;
      expect(decisions.map((d) => d.allowed)).toEqual([...Array.from({ length: rate }, () => true), false]);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(interval);
      expect(refused.retryAfterMs).toBeGreaterThan(interval - elapsed - 1);
    }
  });
});
