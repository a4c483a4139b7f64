import type { ChangeFeed, ChangedTable } from '@dak/db';

/** Polls `check` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  {
    timeoutMs = 10_000,
    intervalMs = 25,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Runs `write`, then waits until `feed` has announced that `table` changed for `accountId` (or
 * was reset), so that process's caches have dropped what they held and its next request reads
 * the write. Postgres announces a change at its commit, and the announcement reaches each
 * process a little after the writer has answered: without this, a request sent right after an
 * admin change or a direct UPDATE may still see the cached row.
 */
export async function announced<T>(
  feed: ChangeFeed,
  table: ChangedTable,
  accountId: string,
  write: () => Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  let unsubscribe = () => {};
  const heard = new Promise<void>((resolve) => {
    unsubscribe = feed.subscribe((change) => {
      if (change === 'reset' || (change.table === table && change.accountId === accountId)) resolve();
    });
  });
  try {
    const result = await write();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for a change of ${table} of ${accountId}`)),
        timeoutMs,
      );
    });
    await Promise.race([heard, timeout]).finally(() => clearTimeout(timer));
    return result;
  } finally {
    unsubscribe();
  }
}
