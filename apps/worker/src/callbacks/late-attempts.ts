/**
 * Callback attempts still unanswered when their job moved on (see deliverRound), each batch
 * recorded when its attempts end. A job thus holds its slot for about a second of a stalled
 * endpoint, not for the whole timeout, and other endpoints' deliveries get the slot.
 * Bounded twice: in all (`limit`) and per endpoint (`perEndpoint`: more than its connections
 * could carry would only wait for a socket). Past either bound a job waits for its own slow
 * attempts, as it would without this.
 */
export class LateAttempts {
  private count = 0;
  private readonly byEndpoint = new Map<string, number>();
  private readonly batches = new Set<Promise<void>>();

  constructor(
    readonly limit: number,
    readonly perEndpoint: number,
  ) {}

  /** Attempts being waited for outside their jobs. */
  get size(): number {
    return this.count;
  }

  /**
   * Takes the attempts (their endpoints' ids, one per attempt) whose ending `finish` awaits and
   * records; false, taking none, when that would pass a bound. `finish` must not reject.
   */
  adopt(endpointIds: readonly string[], finish: () => Promise<void>): boolean {
    const adding = new Map<string, number>();
    for (const id of endpointIds) adding.set(id, (adding.get(id) ?? 0) + 1);
    if (this.count + endpointIds.length > this.limit) return false;
    for (const [id, n] of adding) if ((this.byEndpoint.get(id) ?? 0) + n > this.perEndpoint) return false;
    this.move(adding, 1);
    const batch = finish()
      .catch(() => undefined)
      .finally(() => {
        this.move(adding, -1);
        this.batches.delete(batch);
      });
    this.batches.add(batch);
    return true;
  }

  /** Resolves once every adopted batch is recorded, for a graceful stop. */
  async drain(): Promise<void> {
    while (this.batches.size > 0) await Promise.allSettled([...this.batches]);
  }

  private move(counts: Map<string, number>, sign: 1 | -1): void {
    for (const [id, n] of counts) {
      const now = (this.byEndpoint.get(id) ?? 0) + sign * n;
      if (now === 0) this.byEndpoint.delete(id);
      else this.byEndpoint.set(id, now);
      this.count += sign * n;
    }
  }
}
