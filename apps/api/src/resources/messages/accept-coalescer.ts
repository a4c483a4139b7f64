import type { MessageToAccept } from '@dak/db';

interface Waiting {
  rows: MessageToAccept[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Takes one account's rows to Postgres (hold + rows, one statement) and resolves once they are committed. */
export type CommitRows = (accountId: string, rows: MessageToAccept[]) => Promise<void>;

/**
 * Concurrent sends of one account share one accept statement. Each account has at most one
 * statement in flight; requests that arrive meanwhile wait, and when it returns they all go
 * together in the next one (up to `maxRows`). An idle account's first
 * request goes at once, so nothing waits for a timer. The wallet row serialises an account's
 * holds anyway, so one statement at a time costs no parallelism; it only saves round trips,
 * row locks and commits.
 *
 * A shared statement is all or nothing, but a request must not fail for its neighbours: if
 * the shared statement fails (the balance covers only some of them, or one row holds a value
 * Postgres refuses), each request is tried again alone, in arrival order, and gets its own
 * answer. Each request is answered once its own rows are committed: from then on the
 * dispatcher admits them from Postgres (nothing is enqueued here).
 */
export class AcceptCoalescer {
  /** Accounts with a statement in flight, and who waits behind it. */
  private readonly waiting = new Map<string, Waiting[]>();

  constructor(
    private readonly commit: CommitRows,
    private readonly maxRows = 1_000,
  ) {}

  accept(accountId: string, rows: MessageToAccept[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = { rows, resolve, reject };
      const queue = this.waiting.get(accountId);
      if (queue) {
        queue.push(entry);
        return;
      }
      this.waiting.set(accountId, []);
      void this.drain(accountId, [entry]);
    });
  }

  private async drain(accountId: string, first: Waiting[]): Promise<void> {
    let group = first;
    while (group.length > 0) {
      const committed = await this.commitGroup(accountId, group);
      for (const waiting of committed) waiting.resolve();
      group = this.takeNext(accountId);
    }
    this.waiting.delete(accountId);
  }

  /** Commits the group's rows; returns the requests that were committed (the others are rejected). */
  private async commitGroup(accountId: string, group: Waiting[]): Promise<Waiting[]> {
    if (group.length > 1) {
      try {
        await this.commit(
          accountId,
          group.flatMap((w) => w.rows),
        );
        return group;
      } catch {
        // Someone in the group could not be accepted: each one on its own, below.
      }
    }
    const committed: Waiting[] = [];
    for (const entry of group) {
      try {
        await this.commit(accountId, entry.rows);
        committed.push(entry);
      } catch (error) {
        entry.reject(error);
      }
    }
    return committed;
  }

  private takeNext(accountId: string): Waiting[] {
    const queue = this.waiting.get(accountId)!;
    let rows = 0;
    let count = 0;
    // At least one request, however large; then as many as fit under maxRows.
    while (count < queue.length && (count === 0 || rows + queue[count]!.rows.length <= this.maxRows)) {
      rows += queue[count]!.rows.length;
      count++;
    }
    return queue.splice(0, count);
  }
}
