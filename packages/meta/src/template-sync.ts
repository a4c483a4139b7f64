import { DakError, ServiceUnavailableError, decryptSecret, type MetaTemplate } from '@dak/core';
import {
  deleteTemplatesReplacedBy,
  findAccountById,
  listPhoneNumbers,
  markMissingTemplatesDeleted,
  upsertTemplates,
  type Database,
  type TemplateUpsert,
} from '@dak/db';
import { ForeignPagingError, GraphApiError, type GraphClient } from './graph-client';

export interface TemplateSyncResult {
  /** Templates Meta listed, now stored as Meta returned them. */
  synced: number;
  /** Templates Dak held that Meta no longer lists, now marked DELETED. */
  deleted: number;
}

/**
 * Makes the account's stored templates match its WABA's template list in the Cloud API (every
 * page), for the admin API's on-demand sync and the worker's periodic one. A template Meta no
 * longer lists is kept with status DELETED rather than left APPROVED, so it cannot be sent
 * and its id still explains why. Status webhooks applied after the list was fetched win over
 * the list (see upsertTemplates).
 *
 * Throws NotFoundError (no such account), BadRequestError `no_access_token` (no phone number
 * to take a token from), `meta_refused` (Meta answered 4xx: WABA id or token is wrong) or
 * `foreign_next_page` (a page pointed off the Graph API's origin), and
 * ServiceUnavailableError when Meta did not answer; the original error is its `cause`.
 */
export async function syncAccountTemplates(
  db: Database,
  graph: GraphClient,
  encryptionKey: Buffer,
  accountId: string,
): Promise<TemplateSyncResult> {
  const account = await findAccountById(db, accountId);
  if (!account) throw new DakError('account_not_found', `No account "${accountId}".`);
  // Every number of a WABA may read its templates; the first one's token is as good as any.
  const [phone] = await listPhoneNumbers(db, accountId);
  if (!phone) {
    throw new DakError('no_access_token', 'Add a phone number (with its access token) to this account before syncing templates.');
  }
  const fetchedAt = new Date();
  const listed = await fetchTemplates(graph, account.waba_id, decryptSecret(phone.access_token_encrypted, encryptionKey));
  const templates = [...new Map(listed.map((t) => [String(t.id), toUpsert(t)])).values()];
  return db.transaction().execute(async (trx) => {
    let synced = 0;
    for (const chunk of chunks(templates, WRITE_CHUNK)) {
      await deleteTemplatesReplacedBy(trx, accountId, chunk);
      synced += await upsertTemplates(trx, accountId, chunk, fetchedAt);
    }
    const deleted = await markMissingTemplatesDeleted(trx, accountId, templates.map((t) => t.id), fetchedAt);
    return { synced, deleted };
  });
}

/** A verified WABA may hold 6,000 templates; writes go in chunks to stay far below Postgres' 65,535 parameters. */
const WRITE_CHUNK = 500;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function fetchTemplates(graph: GraphClient, wabaId: string, accessToken: string): Promise<MetaTemplate[]> {
  try {
    return await graph.listTemplates(wabaId, accessToken);
  } catch (error) {
    if (error instanceof ForeignPagingError) {
      throw new DakError('foreign_next_page', `Meta's template list pointed its next page at ${error.nextOrigin}, not at the Graph API (${error.graphOrigin}); Dak stopped so the access token is not sent there, and stored nothing. Check META_GRAPH_URL.`, { next_origin: error.nextOrigin, graph_origin: error.graphOrigin });
    }
    if (error instanceof GraphApiError && error.httpStatus < 500) {
      throw new DakError('meta_refused', `Meta refused the template list: ${error.error?.message ?? `HTTP ${error.httpStatus}`}. Check the WABA id and access token.`, { meta_error: error.error });
    }
    const unavailable = new ServiceUnavailableError('The Cloud API did not answer the template list. Retry shortly.', 30);
    unavailable.cause = error;
    throw unavailable;
  }
}

function toUpsert(template: MetaTemplate): TemplateUpsert {
  return {
    id: String(template.id),
    name: template.name,
    language: template.language,
    category: template.category,
    status: template.status,
    parameter_format: template.parameter_format ?? 'POSITIONAL',
    components: template.components,
  };
}
