import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { deleteExpiredMedia, keptMediaPaths } from '@dak/db';
import type { ApiContext } from '../../context';

// Kept media files live on the API's volume (MEDIA_DIR), so their retention runs in the API
// process, beside the files, not in the worker. Every API process runs it; two on one volume
// share the work (each record is deleted once, a file already gone is no error).

export const MEDIA_RETENTION_INTERVAL_MS = 3_600_000;
const DAY_MS = 24 * 3_600_000;
const CHUNK = 1_000;
const MAX_CHUNKS_PER_RUN = 100;
/**
 * A file no record knows is deleted once it is this old: younger, it may be a download or
 * upload in flight (written to a temporary name, or moved in and not yet recorded).
 */
const ORPHAN_AFTER_MS = 3_600_000;

export interface MediaRetentionResult {
  /** Media records past MEDIA_RETENTION_DAYS (or whose customer's message is gone), deleted. */
  records: number;
  /** Files deleted: those records' kept files, and files no record knows (a crash between the two, a temporary file left behind). */
  files: number;
}

const gone = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

async function remove(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (gone(error)) return false;
    throw error;
  }
}

/**
 * Deletes media records older than MEDIA_RETENTION_DAYS (and a customer's media once its
 * message is gone) with their files, then any file under MEDIA_DIR that no record keeps and
 * that is not in flight. A record goes before its file: a GET that still finds the record and
 * not the file downloads from Meta again (and keeps nothing, the record being gone by then),
 * and one that finds no record is a 404 that says the file expired, or a fresh download of a
 * customer's media whose message is still kept.
 */
export async function pruneKeptMedia(
  ctx: ApiContext,
  options: { now?: Date; chunk?: number } = {},
): Promise<MediaRetentionResult> {
  const now = (options.now ?? new Date()).getTime();
  const chunk = options.chunk ?? CHUNK;
  const before = new Date(now - ctx.config.media.retentionDays * DAY_MS);
  const result: MediaRetentionResult = { records: 0, files: 0 };
  for (let i = 0; i < MAX_CHUNKS_PER_RUN; i++) {
    const paths = await deleteExpiredMedia(ctx.db, before, chunk);
    result.records += paths.length;
    for (const path of paths) if (path && (await remove(path))) result.files++;
    if (paths.length < chunk) break;
  }
  result.files += await removeOrphans(ctx, now - ORPHAN_AFTER_MS);
  if (result.records > 0 || result.files > 0) ctx.logger.info(result, 'media retention deleted expired files');
  return result;
}

/** Files under MEDIA_DIR/<account>/ older than `olderThan` that no media record keeps. */
async function removeOrphans(ctx: ApiContext, olderThan: number): Promise<number> {
  let removed = 0;
  for (const account of await entries(ctx.config.media.dir)) {
    if (!account.isDirectory()) continue;
    const dir = join(ctx.config.media.dir, account.name);
    const old: string[] = [];
    for (const file of await entries(dir)) {
      if (!file.isFile()) continue;
      const path = join(dir, file.name);
      if ((await mtimeOf(path)) < olderThan) old.push(path);
    }
    for (let i = 0; i < old.length; i += CHUNK) {
      const batch = old.slice(i, i + CHUNK);
      const kept = await keptMediaPaths(ctx.db, batch);
      // Looked at again just before: a GET may have just kept a fresh download under the same name.
      for (const path of batch)
        if (!kept.has(path) && (await mtimeOf(path)) < olderThan && (await remove(path))) removed++;
    }
  }
  return removed;
}

/** When the file was last written; Infinity when it is gone (nothing to delete). */
const mtimeOf = (path: string) =>
  stat(path).then(
    (s) => s.mtimeMs,
    () => Infinity,
  );

/** A folder's entries; none when it does not exist (nothing was ever kept). */
async function entries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (gone(error)) return [];
    throw error;
  }
}

/** The periodic pass: once at start (a process may not live an hour), then hourly; stop() waits for one in progress. */
export function startMediaRetention(
  ctx: ApiContext,
  intervalMs = MEDIA_RETENTION_INTERVAL_MS,
): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const run = () => {
    running ??= pruneKeptMedia(ctx)
      .catch((error) => ctx.logger.warn({ err: error }, 'media retention pass failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(run, 0);
  const timer = setInterval(run, intervalMs);
  first.unref();
  timer.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
