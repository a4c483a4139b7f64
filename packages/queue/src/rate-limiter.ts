import type { Redis } from 'ioredis';
import { luaScript } from './lua';

// Times are epoch milliseconds with fractions (80/s is one every 12.5 ms); they are written
// with string.format because Lua would print large numbers with only 14 significant digits.
// GCRA with reservations: each call takes the next free slot of the phone number's schedule
// and answers how long to wait for it. The schedule lives in Redis, so every worker process
// shares it and together they never exceed the number's messages-per-second.
const RESERVE = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
if tat < now then tat = now end
redis.call('SET', KEYS[1], string.format('%.3f', tat + interval), 'PX', math.ceil(tat + interval - now + 60000))
return string.format('%.3f', tat - now)
`;

const PUSH_BACK = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local target = tonumber(ARGV[1])
if tat < target then redis.call('SET', KEYS[1], string.format('%.3f', target), 'PX', 120000) end
return 1
`;

const reserve = luaScript(RESERVE);
const pushBack = luaScript(PUSH_BACK);

export class PhoneNumberRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(senderId: string): string {
    return `${this.prefix}:rate:${senderId}`;
  }

  /** Reserves the next send slot for this number; returns the milliseconds until it. */
  async reserve(senderId: string, mps: number, now = Date.now()): Promise<number> {
    const interval = 1000 / mps;
    const wait = await reserve(this.redis, [this.key(senderId)], [now, interval]);
    return Math.max(0, Math.ceil(Number(wait)));
  }

  /** Meta said 130429: nothing more goes out on this number before `until`. */
  async pushBack(senderId: string, until: number): Promise<void> {
    await pushBack(this.redis, [this.key(senderId)], [until]);
  }
}
