import { DakError, decryptSecret, type MetaTemplate } from '@dak/core';
import type { Database } from './database';
import { findAccountById } from './repositories/accounts';
import { listPhoneNumbers } from './repositories/phone-numbers';
import {
  deleteTemplatesReplacedBy,
  markMissingTemplatesDeleted,
  upsertTemplates,
  type TemplateUpsert,
} from './repositories/templates';

export interface TemplateSyncResult {
  /** Templates Meta listed, now stored as Meta returned them. */
  synced: number;
  /** Templates Dak held that Meta no longer lists, now marked DELETED. */
  deleted: number;
}

/** Lists a WABA's templates with an access token (in Dak, @dak/meta's fetchTemplateList). */
export type TemplateLister = (wabaId: string, accessToken: string) => Promise<MetaTemplate[]>;

/**
 * Makes the account's stored templates match its WABA's template list in the Cloud API (every
 * page), for the admin API's on-demand sync and the worker's periodic one. A template Meta no
 * longer lists is kept with status DELETED rather than left APPROVED, so it cannot be sent
 * and its id still explains why. Status webhooks applied after the list was fetched win over
 * the list (see upsertTemplates). The list comes from `listTemplates`, so this package never
 * talks to Meta itself.
 *
 * Throws DakError `account_not_found` (no such account), `no_access_token` (no phone number
 * to take a token from), and whatever `listTemplates` throws.
 */
export async function syncAccountTemplates(
  db: Database,
  listTemplates: TemplateLister,
  encryptionKey: Buffer,
  accountId: string,
): Promise<TemplateSyncResult> {
  const account = await findAccountById(db, accountId);
  if (!account) throw new DakError('account_not_found', `No account "${accountId}".`);
  // Every number of a WABA may read its templates; the first one's token is as good as any.
  const [phone] = await listPhoneNumbers(db, accountId);
  if (!phone) {
    throw new DakError(
      'no_access_token',
      'Add a phone number (with its access token) to this account before syncing templates.',
    );
  }
  const fetchedAt = new Date();
  const listed = await listTemplates(account.waba_id, decryptSecret(phone.access_token_encrypted, encryptionKey));
  const templates = [...new Map(listed.map((t) => [String(t.id), toUpsert(t)])).values()];
  return db.transaction().execute(async (trx) => {
    let synced = 0;
    for (const chunk of chunks(templates, WRITE_CHUNK)) {
      await deleteTemplatesReplacedBy(trx, accountId, chunk);
      synced += await upsertTemplates(trx, accountId, chunk, fetchedAt);
    }
    const deleted = await markMissingTemplatesDeleted(
      trx,
      accountId,
      templates.map((t) => t.id),
      fetchedAt,
    );
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
