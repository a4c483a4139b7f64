import type { Redis } from 'ioredis';
import { luaScript } from './lua';

// GCRA over one or more schedules at once (an API key's, and its account's when it has one).
// Each limit allows `rate` requests per second with a burst of one second's worth: the schedule's
// theoretical arrival time (tat) may run at most `rate` intervals ahead of now. The request goes
// through only if every limit allows it, and only then is any schedule advanced, so a refused
// request consumes nothing. The clock is Redis's own, so API processes on hosts whose clocks
// disagree still share one schedule. Replies are strings: Lua would truncate numbers to integers.
// ARGV: per key, its interval in ms and its burst.
const TAKE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local tats = {}
local wait = 0
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  -- Stored as "<tat>:<interval>". A limit changed since (the operator raised or lowered it)
  -- carries over the requests owed, not the old rate's time: one request owed at 1/s is one
  -- owed at 1,000/s (a millisecond), not a whole second of the new burst.
  local stored = redis.call('GET', KEYS[i]) or '0'
  local sep = string.find(stored, ':', 1, true)
  local tat = tonumber(sep and string.sub(stored, 1, sep - 1) or stored)
  local was = sep and tonumber(string.sub(stored, sep + 1)) or 0
  if was > 0 and was ~= interval and tat > now then tat = now + (tat - now) * interval / was end
  tat = math.max(tat, now)
  tats[i] = tat
  wait = math.max(wait, tat - now - (burst - 1) * interval)
end
local reply = { wait > 0 and '0' or '1', string.format('%.3f', math.max(wait, 0)) }
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tats[i]
  if wait <= 0 then
    tat = tat + interval
    redis.call('SET', KEYS[i], string.format('%.3f:%.6f', tat, interval), 'PX', math.ceil(tat - now) + 1000)
  end
  table.insert(reply, tostring(math.floor((burst * interval - (tat - now)) / interval)))
  table.insert(reply, string.format('%.3f', tat - now))
end
return reply
`;

export interface RequestLimit {
  /** What is limited, e.g. `key:key_01…`; limits with one scope share one schedule. */
  scope: string;
  requestsPerSecond: number;
}

export interface LimitState {
  limit: RequestLimit;
  /** Requests still allowed at once after this one. */
  remaining: number;
  /** Milliseconds until the whole burst is available again. */
  resetMs: number;
}

export interface LimitDecision {
  allowed: boolean;
  /** When refused: milliseconds until the request would be allowed. */
  retryAfterMs: number;
  /** The limit closest to refusing (the one that refused, when refused). */
  binding: LimitState;
}

/** Per-request rate limits of the public API, shared through Redis by every API process. */
const take = luaScript(TAKE);

export class RequestRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Counts one request against every limit, or against none when any of them refuses it. */
  async take(limits: RequestLimit[]): Promise<LimitDecision> {
    const keys = limits.map((limit) => `${this.prefix}:requests:${limit.scope}`);
    const args = limits.flatMap((limit) => [1000 / limit.requestsPerSecond, limit.requestsPerSecond]);
    const reply = (await take(this.redis, keys, args)) as string[];
    const states = limits.map((limit, i) => ({
      limit,
      remaining: Math.max(0, Number(reply[2 + 2 * i])),
      resetMs: Number(reply[3 + 2 * i]),
    }));
    const binding = states.reduce((tightest, state) =>
      state.remaining < tightest.remaining ||
      (state.remaining === tightest.remaining && state.resetMs > tightest.resetMs)
        ? state
        : tightest,
    );
    return { allowed: reply[0] === '1', retryAfterMs: Number(reply[1]), binding };
  }
}
