import { DakError, ServiceUnavailableError, type MetaTemplate, type ParameterFormat } from '@dak/core';
import {
  DELETED_TEMPLATE_STATUS,
  findTemplate,
  findTemplateByName,
  listTemplates,
  syncAccountTemplates,
  type Template,
  type TemplateSyncResult,
} from '@dak/db';
import { fetchTemplateList } from '@dak/meta';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';

/** A template named by Meta id (the original API) or by name and language (unique per account). */
export type TemplateReference = { id: string } | { name: string; language: string };

/** Why a status other than APPROVED cannot be sent, and what to do about it. */
const NOT_SENDABLE: Record<string, string> = {
  PENDING: "Meta is still reviewing it; wait for Meta's approval",
  REJECTED: 'Meta rejected it; edit it in WhatsApp Manager and submit it again',
  PAUSED: 'Meta paused it after negative feedback from recipients; Meta lifts a pause after a few hours',
  DISABLED: 'Meta disabled it; edit it in WhatsApp Manager and submit it again',
  [DELETED_TEMPLATE_STATUS]: "it is no longer in Meta's template list (deleted in Meta); use another template",
};

/** The template within the caller's account, whatever its status; a 404 when there is none. */
export async function findAccountTemplate(
  ctx: ApiContext,
  principal: Principal,
  reference: TemplateReference,
): Promise<Template> {
  const { accountId } = principal;
  const template =
    'id' in reference
      ? await ctx.cache.templates.get(`id:${accountId}:${reference.id}`, () =>
          findTemplate(ctx.db, accountId, reference.id),
        )
      : await ctx.cache.templates.get(`name:${accountId}:${reference.name}:${reference.language}`, () =>
          findTemplateByName(ctx.db, accountId, reference.name, reference.language),
        );
  if (!template) throw await templateNotFound(ctx, principal.accountId, reference);
  return template;
}

/** The template within the caller's account; it must be APPROVED to be sent. */
export async function resolveSendableTemplate(
  ctx: ApiContext,
  principal: Principal,
  reference: TemplateReference,
): Promise<Template> {
  const template = await findAccountTemplate(ctx, principal, reference);
  if (template.status !== 'APPROVED') {
    const why = NOT_SENDABLE[template.status] ?? 'pick another template';
    throw new DakError(
      'template_not_approved',
      `Template "${template.name}" (${template.language}) is ${template.status}; only APPROVED templates can be sent: ${why}.`,
      {
        template_id: template.id,
        status: template.status,
        ...(template.status_reason ? { reason: template.status_reason } : {}),
      },
    );
  }
  return template;
}

async function templateNotFound(ctx: ApiContext, accountId: string, reference: TemplateReference): Promise<DakError> {
  const sync = 'GET /api/whatsapp/v1/templates lists them; if it was created recently, sync templates first';
  if ('id' in reference) {
    return new DakError(
      'template_not_found',
      `Unknown template_id "${reference.id}". Use the Meta id of one of your account's templates (${sync}).`,
    );
  }
  const languages = (await listTemplates(ctx.db, accountId, { name: reference.name })).map((t) => t.language);
  const hint = languages.length > 0 ? `it exists in ${languages.join(', ')}` : `${sync}`;
  return new DakError(
    'template_not_found',
    `No template "${reference.name}" in language "${reference.language}" (${hint}). Names and language codes match exactly, e.g. en_US.`,
  );
}

export function toMetaTemplate(template: Template): MetaTemplate {
  return {
    id: template.id,
    name: template.name,
    language: template.language,
    status: template.status,
    category: template.category,
    parameter_format: template.parameter_format as ParameterFormat,
    components: template.components as MetaTemplate['components'],
  };
}

/** Fetches every template of the account's WABA from the Cloud API and stores them (see syncAccountTemplates). */
export async function syncTemplates(ctx: ApiContext, accountId: string): Promise<TemplateSyncResult> {
  try {
    return await syncAccountTemplates(
      ctx.db,
      (wabaId, token) => fetchTemplateList(ctx.graph, wabaId, token),
      ctx.config.encryptionKey,
      accountId,
    );
  } catch (error) {
    if (error instanceof ServiceUnavailableError)
      ctx.logger.warn({ err: error.cause ?? error, accountId }, 'template sync failed');
    throw error;
  }
}
