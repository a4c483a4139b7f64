import { DakError } from '@dak/core';
import { listAccounts, syncAccountTemplates } from '@dak/db';
import { fetchTemplateList } from '@dak/meta';
import type { WorkerContext } from './context';

export interface TemplateSyncSummary {
  accounts: number;
  synced: number;
  deleted: number;
  failed: number;
}

/**
 * The periodic template sync: every account in turn (Meta's template endpoints are limited
 * per WABA, and one at a time keeps the worker's load flat). One account's failure is logged
 * and the others still sync; the next run tries it again.
 */
export async function syncAllTemplates(ctx: WorkerContext): Promise<TemplateSyncSummary> {
  const summary: TemplateSyncSummary = { accounts: 0, synced: 0, deleted: 0, failed: 0 };
  for (const account of await listAccounts(ctx.db)) {
    try {
      const result = await syncAccountTemplates(
        ctx.db,
        (wabaId, token) => fetchTemplateList(ctx.graph, wabaId, token),
        ctx.config.encryptionKey,
        account.id,
      );
      summary.accounts += 1;
      summary.synced += result.synced;
      summary.deleted += result.deleted;
      if (result.deleted > 0)
        ctx.logger.info(
          { accountId: account.id, deleted: result.deleted },
          "templates no longer in Meta's list marked DELETED",
        );
    } catch (error) {
      // An account without a phone number has no token to ask Meta with yet: nothing to do.
      if (error instanceof DakError && error.code === 'no_access_token') continue;
      summary.failed += 1;
      ctx.logger.warn({ err: error, accountId: account.id }, 'periodic template sync failed for an account');
    }
  }
  return summary;
}
