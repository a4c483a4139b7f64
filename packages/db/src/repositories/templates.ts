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

/** Stores templates as Meta returned them; a later sync overwrites an earlier one. */
export async function upsertTemplates(db: Database, accountId: string, templates: TemplateUpsert[], now = new Date()): Promise<number> {
  if (templates.length === 0) return 0;
  const result = await db
    .insertInto('templates')
    .values(
      templates.map((t) => ({
        ...t,
        account_id: accountId,
        components: JSON.stringify(t.components),
        synced_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        language: eb.ref('excluded.language'),
        category: eb.ref('excluded.category'),
        status: eb.ref('excluded.status'),
        parameter_format: eb.ref('excluded.parameter_format'),
        components: eb.ref('excluded.components'),
        synced_at: eb.ref('excluded.synced_at'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
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

export async function listTemplates(db: Database, accountId: string): Promise<Template[]> {
  return db.selectFrom('templates').selectAll().where('account_id', '=', accountId).orderBy('name').orderBy('language').execute();
}

/** A `message_template_status_update` from Meta. */
export async function updateTemplateStatus(
  db: Database,
  templateId: string,
  status: string,
  reason: string | null,
  now = new Date(),
): Promise<Template | undefined> {
  return db
    .updateTable('templates')
    .set({ status, status_reason: reason, updated_at: now })
    .where('id', '=', templateId)
    .returningAll()
    .executeTakeFirst();
}
