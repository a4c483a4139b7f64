import type { Redis } from 'ioredis';
import { luaScript } from './lua';

// Takes the dispatcher's lease, or renews it for its holder; 1 when the caller holds it.
const LEAD = `
local holder = redis.call('GET', KEYS[1])
if holder == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;
// Moves a time forward only: a later pause or schedule is never shortened.
const AT_LEAST = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`;
// A job's turn in its number's send timeline: it starts at its first slot, or when the number's
// previous job ends, or now, whichever is last; returns how far its slots move (ms).
const TURN = `
local tail = tonumber(redis.call('GET', KEYS[1]) or '0')
local first = tonumber(ARGV[1])
local start = math.max(first, tail, tonumber(ARGV[3]))
redis.call('SET', KEYS[1], string.format('%.3f', tonumber(ARGV[2]) + start - first), 'PX', 60000)
return string.format('%.3f', start - first)
`;
const lead = luaScript(LEAD);
const turn = luaScript(TURN);
const atLeast = luaScript(AT_LEAST);

/** What the dispatcher knows of a number between ticks, shared by every worker process. */
export interface SenderPace {
  /** The number's next free slot (epoch ms); 0 when it has none ahead. */
  nextSlot: number;
  /** Nothing goes out before this (Meta's 130429); 0 when not paused. */
  pausedUntil: number;
  /** Its rate is multiplied by this (Meta's 131048: slow the whole number); 1 normally. */
  rateFactor: number;
  /** When the number's last started dispatch job ends, moved later if it ran late (see turn); 0 when none. */
  tail: number;
}

/**
 * The dispatcher's shared state in Redis: who admits (one worker at a time, by lease), and per
 * number its schedule, a pause after 130429 and a slow-down after 131048. All of it is small
 * and per number, never per message.
 */
export class DispatchState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(kind: 'slot' | 'pause' | 'slow' | 'tail', senderId: string): string {
    return `${this.prefix}:dispatch:${kind}:${senderId}`;
  }

  /** Takes or renews the lease; true while `holder` is the one dispatcher. */
  async lead(holder: string, leaseMs: number): Promise<boolean> {
    return Number(await lead(this.redis, [`${this.prefix}:dispatch:leader`], [holder, leaseMs])) === 1;
  }

  async paces(senderIds: string[]): Promise<Map<string, SenderPace>> {
    const kinds = ['slot', 'pause', 'slow', 'tail'] as const;
    const keys = senderIds.flatMap((id) => kinds.map((kind) => this.key(kind, id)));
    const values = keys.length > 0 ? await this.redis.mget(keys) : [];
    const paces = new Map<string, SenderPace>();
    senderIds.forEach((id, i) => {
      const [slot, pause, slow, tail] = values.slice(i * kinds.length, (i + 1) * kinds.length);
      paces.set(id, {
        nextSlot: Number(slot ?? 0),
        pausedUntil: Number(pause ?? 0),
        rateFactor: slow ? Number(slow) : 1,
        tail: Number(tail ?? 0),
      });
    });
    return paces;
  }

  /** Records each number's next free slot after an admission (kept a minute past it). */
  async setNextSlots(slots: Map<string, number>, now = Date.now()): Promise<void> {
    if (slots.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [id, at] of slots) pipeline.set(this.key('slot', id), at.toFixed(3), 'PX', Math.ceil(at - now) + 60_000);
    await pipeline.exec();
  }

  /**
   * Takes a dispatch job's turn in its number's send timeline: its sends from `firstSlot` to
   * `end` (its last slot plus one interval) move later by the returned milliseconds when the
   * number's previous job ends after its first slot, or when it starts late. So jobs of one
   * number never send over each other, whichever worker runs them and however late.
   */
  async turn(senderId: string, firstSlot: number, end: number, now = Date.now()): Promise<number> {
    return Number(await turn(this.redis, [this.key('tail', senderId)], [firstSlot, end, now]));
  }

  /** Meta said 130429: nothing more goes out on this number before `until`. */
  async pause(senderId: string, until: number, now = Date.now()): Promise<void> {
    await atLeast(this.redis, [this.key('pause', senderId)], [until, Math.max(1, Math.ceil(until - now))]);
  }

  /** Meta said 131048: this number sends at `factor` of its rate for `durationMs`. */
  async slowDown(senderId: string, factor: number, durationMs: number): Promise<void> {
    await this.redis.set(this.key('slow', senderId), String(factor), 'PX', durationMs);
  }
}
