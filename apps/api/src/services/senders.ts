import { z } from 'zod';
import {
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  priceFor,
  type MetaTemplate,
  type ParameterFormat,
} from '@dak/core';
import {
  DELETED_TEMPLATE_STATUS,
  findPhoneNumberByMetaId,
  findTemplate,
  findTemplateByName,
  listTemplates,
  type PhoneNumber,
  type Template,
  type TemplateFilter,
} from '@dak/db';
import type { ApiContext } from '../context';
import type { Principal } from '../http/auth';

/** The sending phone number, by Meta's id; another account's number is a 404, never a 403. */
export async function resolveSender(ctx: ApiContext, principal: Principal, metaPhoneNumberId: string): Promise<PhoneNumber> {
  const phone = await ctx.cache.senders.get(metaPhoneNumberId, () => findPhoneNumberByMetaId(ctx.db, metaPhoneNumberId));
  if (!phone || phone.account_id !== principal.accountId) {
    throw new NotFoundError(
      `Unknown phone_number_id "${metaPhoneNumberId}". Use the Meta phone number id of one of your account's numbers.`,
      'phone_number_not_found',
    );
  }
  if (principal.metaPhoneNumberIds && !principal.metaPhoneNumberIds.includes(phone.meta_phone_number_id)) {
    throw new ForbiddenError(
      `This API key may not send from phone_number_id "${metaPhoneNumberId}". Use a key allowed for that number, or one without a phone number restriction.`,
      'phone_number_not_allowed',
    );
  }
  return phone;
}

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

/** The template within the caller's account; it must be APPROVED to be sent. */
export async function resolveSendableTemplate(ctx: ApiContext, principal: Principal, reference: TemplateReference): Promise<Template> {
  const { accountId } = principal;
  const template =
    'id' in reference
      ? await ctx.cache.templates.get(`id:${accountId}:${reference.id}`, () => findTemplate(ctx.db, accountId, reference.id))
      : await ctx.cache.templates.get(`name:${accountId}:${reference.name}:${reference.language}`, () =>
          findTemplateByName(ctx.db, accountId, reference.name, reference.language),
        );
  if (!template) throw await templateNotFound(ctx, principal.accountId, reference);
  if (template.status !== 'APPROVED') {
    const why = NOT_SENDABLE[template.status] ?? 'pick another template';
    throw new UnprocessableError(
      'template_not_approved',
      `Template "${template.name}" (${template.language}) is ${template.status}; only APPROVED templates can be sent: ${why}.`,
      { template_id: template.id, status: template.status, ...(template.status_reason ? { reason: template.status_reason } : {}) },
    );
  }
  return template;
}

async function templateNotFound(ctx: ApiContext, accountId: string, reference: TemplateReference): Promise<NotFoundError> {
  const sync = 'GET /api/whatsapp/v1/templates lists them; if it was created recently, sync templates first';
  if ('id' in reference) {
    return new NotFoundError(`Unknown template_id "${reference.id}". Use the Meta id of one of your account's templates (${sync}).`, 'template_not_found');
  }
  const languages = (await listTemplates(ctx.db, accountId, { name: reference.name })).map((t) => t.language);
  const hint = languages.length > 0 ? `it exists in ${languages.join(', ')}` : `${sync}`;
  return new NotFoundError(
    `No template "${reference.name}" in language "${reference.language}" (${hint}). Names and language codes match exactly, e.g. en_US.`,
    'template_not_found',
  );
}

const STATUS_LIST = /^[A-Z_]+(,[A-Z_]+)*$/;

/** `GET /templates?name=&language=&status=`: exact name and language code; status may list several (APPROVED,PAUSED). */
export const templateFilterSchema = z
  .object({
    name: z.string({ error: 'give one name' }).trim().min(1, 'must not be empty').optional(),
    language: z.string({ error: 'give one language code' }).trim().min(1, 'must not be empty').optional(),
    status: z
      .string({ error: 'give one status, or several separated by commas' })
      .transform((value) => value.trim().toUpperCase())
      .refine((value) => STATUS_LIST.test(value), 'a status such as APPROVED, or several separated by commas (APPROVED,PAUSED)')
      .optional(),
  })
  .transform(({ status, ...rest }): TemplateFilter => ({ ...rest, ...(status ? { statuses: status.split(',') } : {}) }));

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

/** The price of one message of this category for the caller's account, in minor units. */
export function priceOf(principal: Principal, category: string): number {
  const { price_minor, category_prices } = principal.account;
  return priceFor({ defaultMinor: price_minor, byCategory: category_prices }, category);
}
