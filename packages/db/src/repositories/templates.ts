import type { Database } from '../database';
import type { Template } from '../schema/index';

export interface TemplateUpsert {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  parameter_format: string;
  components: unknown[];
}

/** What Dak sets when a synced template is no longer in Meta's list (deleted in Meta). */
export const DELETED_TEMPLATE_STATUS = 'DELETED';

/**
 * Stores templates as Meta returned them in a list fetched at `fetchedAt`. Content always takes
 * the newer sync; the status only when it is newer than what the row holds, so a status
 * webhook applied after the list was fetched (PAUSED, say) is not undone by the older list.
 */
export async function upsertTemplates(
  db: Database,
  accountId: string,
  templates: TemplateUpsert[],
  fetchedAt = new Date(),
): Promise<number> {
  if (templates.length === 0) return 0;
  const now = new Date();
  const result = await db
    .insertInto('templates')
    .values(
      templates.map((t) => ({
        ...t,
        account_id: accountId,
        components: JSON.stringify(t.components),
        status_reason: null,
        synced_at: now,
        updated_at: fetchedAt,
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => {
        const listIsNewer = eb('excluded.updated_at', '>=', eb.ref('templates.updated_at'));
        return {
          name: eb.ref('excluded.name'),
          language: eb.ref('excluded.language'),
          category: eb.ref('excluded.category'),
          status: eb.case().when(listIsNewer).then(eb.ref('excluded.status')).else(eb.ref('templates.status')).end(),
          status_reason: eb
            .case()
            .when(listIsNewer)
            .then(eb.ref('excluded.status_reason'))
            .else(eb.ref('templates.status_reason'))
            .end(),
          parameter_format: eb.ref('excluded.parameter_format'),
          components: eb.ref('excluded.components'),
          synced_at: eb.ref('excluded.synced_at'),
          updated_at: eb.fn('greatest', [eb.ref('excluded.updated_at'), eb.ref('templates.updated_at')]),
        };
      }),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

/**
 * Removes rows whose name and language now belong to another Meta template id (Meta lets a
 * name be reused some time after a deletion), so the new one can take the (name, language)
 * slot. Messages keep the name, language and id they were sent with.
 */
export async function deleteTemplatesReplacedBy(
  db: Database,
  accountId: string,
  templates: TemplateUpsert[],
): Promise<number> {
  if (templates.length === 0) return 0;
  const result = await db
    .deleteFrom('templates')
    .where('account_id', '=', accountId)
    .where((eb) =>
      eb.or(
        templates.map((t) => eb.and([eb('name', '=', t.name), eb('language', '=', t.language), eb('id', '!=', t.id)])),
      ),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Marks the account's templates that Meta's list (fetched at `fetchedAt`) no longer returns as
 * DELETED, unless a status webhook changed them after that list was fetched. They stay in the
 * table so their id still answers, with a status that says why they cannot be sent.
 */
export async function markMissingTemplatesDeleted(
  db: Database,
  accountId: string,
  presentIds: string[],
  fetchedAt: Date,
): Promise<number> {
  let query = db
    .updateTable('templates')
    .set({ status: DELETED_TEMPLATE_STATUS, status_reason: "no longer in Meta's template list", updated_at: fetchedAt })
    .where('account_id', '=', accountId)
    .where('status', '!=', DELETED_TEMPLATE_STATUS)
    .where('updated_at', '<=', fetchedAt);
  if (presentIds.length > 0) query = query.where('id', 'not in', presentIds);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function findTemplate(db: Database, accountId: string, templateId: string): Promise<Template | undefined> {
  return db
    .selectFrom('templates')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', templateId)
    .executeTakeFirst();
}

export async function findTemplateByName(
  db: Database,
  accountId: string,
  name: string,
  language: string,
): Promise<Template | undefined> {
  return db
    .selectFrom('templates')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('name', '=', name)
    .where('language', '=', language)
    .executeTakeFirst();
}

export interface TemplateFilter {
  /** Exact template name. */
  name?: string;
  /** Exact language code, e.g. en_US. */
  language?: string;
  /** Any of these statuses. */
  statuses?: string[];
}

export async function listTemplates(db: Database, accountId: string, filter: TemplateFilter = {}): Promise<Template[]> {
  let query = db.selectFrom('templates').selectAll().where('account_id', '=', accountId);
  if (filter.name !== undefined) query = query.where('name', '=', filter.name);
  if (filter.language !== undefined) query = query.where('language', '=', filter.language);
  if (filter.statuses && filter.statuses.length > 0) query = query.where('status', 'in', filter.statuses);
  return query.orderBy('name').orderBy('language').execute();
}

/**
 * A `message_template_status_update` from Meta, for the WABA the update came under: a template
 * of another account is never touched (Meta only reports a WABA's own templates).
 */
export async function updateTemplateStatus(
  db: Database,
  wabaId: string,
  templateId: string,
  status: string,
  reason: string | null,
  now = new Date(),
): Promise<Template | undefined> {
  return db
    .updateTable('templates')
    .set({ status, status_reason: reason, updated_at: now })
    .where('id', '=', templateId)
    .where('account_id', 'in', (eb) => eb.selectFrom('accounts').select('id').where('waba_id', '=', wabaId))
    .returningAll()
    .executeTakeFirst();
}

/** Which account holds a template, whatever the account: to say why an update did not apply. */
export async function findTemplateOwner(db: Database, templateId: string): Promise<{ account_id: string } | undefined> {
  return db.selectFrom('templates').select('account_id').where('id', '=', templateId).executeTakeFirst();
}
