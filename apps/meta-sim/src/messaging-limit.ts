/** Meta's messaging limit tiers as its Graph API names them, and the unique users each allows per 24 h. */
export const MESSAGING_LIMIT_TIERS = {
  TIER_250: 250,
  TIER_2K: 2_000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: Number.POSITIVE_INFINITY,
} as const;
export type MessagingLimitTier = keyof typeof MESSAGING_LIMIT_TIERS;

export const REACH_WINDOW_MS = 24 * 3_600_000;

/**
 * A business portfolio's messaging limit (META.md, "Throughput and limits"): the unique users
 * it reaches outside a customer-service window per rolling 24 h. A user reached in the last
 * 24 h can be messaged again freely; a new one only while fewer than the tier's number are
 * reached. The map keeps users in the order they were last reached (a repeat moves to the end),
 * so expiry trims from the front and the count is the map's size: O(1) amortised per send.
 */
export class ReachWindow {
  private readonly lastReached = new Map<string, number>();

  constructor(public tier: MessagingLimitTier = 'TIER_UNLIMITED') {}

  get limit(): number {
    return MESSAGING_LIMIT_TIERS[this.tier];
  }

  /** Unique users reached in the 24 h before `now`. */
  reached(now: number): number {
    this.expire(now);
    return this.lastReached.size;
  }

  /** Whether `waId` may be reached now (already reached in the window, or room for one more). */
  allows(waId: string, now: number): boolean {
    this.expire(now);
    return this.lastReached.has(waId) || this.lastReached.size < this.limit;
  }

  record(waId: string, now: number): void {
    this.lastReached.delete(waId);
    this.lastReached.set(waId, now);
  }

  private expire(now: number): void {
    for (const [waId, at] of this.lastReached) {
      if (now - at < REACH_WINDOW_MS) return;
      this.lastReached.delete(waId);
    }
  }
}
