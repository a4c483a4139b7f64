import type { PairRateLimit } from './types';

export const THROUGHPUT_WINDOW_MS = 1_000;

/**
 * Per-phone-number throughput, measured as Meta states it: messages per second. A send is
 * refused when the last `capacity` accepted sends all fall inside the trailing 1,000 ms, where
 * capacity = floor(mps × (1 + tolerance)). A sender spacing its sends 1/mps apart puts at most
 * mps + 1 into any such window, so with the default 10 % tolerance it never sees 130429; a
 * sender that bursts a whole second's worth twice across a second boundary does.
 * Only accepted sends count: a refused attempt does not use up quota.
 * Ring buffer of timestamps: O(1) per send.
 */
export class ThroughputWindow {
  private stamps: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(
    readonly mps: number,
    readonly tolerance: number,
  ) {
    this.stamps = new Float64Array(capacityFor(mps, tolerance));
  }

  get capacity(): number {
    return this.stamps.length;
  }

  canAccept(now: number): boolean {
    if (this.filled < this.stamps.length) return true;
    return now - (this.stamps[this.next] as number) >= THROUGHPUT_WINDOW_MS;
  }

  record(now: number): void {
    this.stamps[this.next] = now;
    this.next = (this.next + 1) % this.stamps.length;
    if (this.filled < this.stamps.length) this.filled += 1;
  }

  /** Accepted sends in the trailing window (for the control API). */
  inWindow(now: number): number {
    let count = 0;
    for (let i = 0; i < this.filled; i += 1) if (now - (this.stamps[i] as number) < THROUGHPUT_WINDOW_MS) count += 1;
    return count;
  }
}

export function capacityFor(mps: number, tolerance: number): number {
  return Math.max(1, Math.floor(mps * (1 + tolerance) + 1e-9));
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Pair rate limit per (phone number, recipient): a token bucket holding `burst` messages that
 * regains one every `intervalMs` (Meta: ~1 per 6 s, bursts of up to ~45 borrowed from later
 * quota). Buckets that have refilled are forgotten when the map grows large.
 */
export class PairLimiter {
  private buckets = new Map<string, Bucket>();

  constructor(private limit: PairRateLimit) {}

  get settings(): PairRateLimit {
    return this.limit;
  }

  configure(limit: PairRateLimit): void {
    this.limit = limit;
    this.buckets.clear();
  }

  tryAcquire(key: string, now: number, limit: PairRateLimit = this.limit): boolean {
    if (limit.intervalMs <= 0 || limit.burst <= 0) return true;
    const bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= 200_000) this.prune(now, limit);
      this.buckets.set(key, { tokens: limit.burst - 1, at: now });
      return true;
    }
    const tokens = Math.min(limit.burst, bucket.tokens + (now - bucket.at) / limit.intervalMs);
    bucket.at = now;
    if (tokens < 1) {
      bucket.tokens = tokens;
      return false;
    }
    bucket.tokens = tokens - 1;
    return true;
  }

  clear(): void {
    this.buckets.clear();
  }

  private prune(now: number, limit: PairRateLimit): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) / limit.intervalMs >= limit.burst) this.buckets.delete(key);
    }
  }
}
