import {
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  priceFor,
  type MetaTemplate,
  type ParameterFormat,
} from '@dak/core';
import { findAccountById, findPhoneNumberByMetaId, findTemplate, type Account, type PhoneNumber, type Template } from '@dak/db';
import type { ApiContext } from '../context';
import type { Principal } from '../http/auth';

/** The sending phone number, by Meta's id; another account's number is a 404, never a 403. */
export async function resolveSender(ctx: ApiContext, principal: Principal, phoneNumberId: string): Promise<PhoneNumber> {
  const phone = await findPhoneNumberByMetaId(ctx.db, phoneNumberId);
  if (!phone || phone.account_id !== principal.accountId) {
    throw new NotFoundError(
      `Unknown phone_number_id "${phoneNumberId}". Use the Meta phone number id of one of your account's numbers.`,
      'phone_number_not_found',
    );
  }
  if (principal.phoneNumberIds && !principal.phoneNumberIds.includes(phone.phone_number_id)) {
    throw new ForbiddenError(
      `This API key may not send from phone_number_id "${phoneNumberId}". Use a key allowed for that number, or one without a phone number restriction.`,
      'phone_number_not_allowed',
    );
  }
  return phone;
}

/** The template by Meta id within the caller's account; it must be APPROVED to be sent. */
export async function resolveSendableTemplate(ctx: ApiContext, principal: Principal, templateId: string): Promise<Template> {
  const template = await findTemplate(ctx.db, principal.accountId, templateId);
  if (!template) {
    throw new NotFoundError(
      `Unknown template_id "${templateId}". Use the Meta id of one of your account's templates (GET /api/whatsapp/v1/templates lists them); if it was created recently, sync templates first.`,
      'template_not_found',
    );
  }
  if (template.status !== 'APPROVED') {
    throw new UnprocessableError(
      'template_not_approved',
      `Template "${template.name}" (${template.language}) is ${template.status}; only APPROVED templates can be sent. Wait for Meta's approval or pick another template.`,
      { template_id: template.id, status: template.status },
    );
  }
  return template;
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

export async function priceOf(ctx: ApiContext, accountId: string, category: string): Promise<{ account: Account; priceMinor: number }> {
  const account = await findAccountById(ctx.db, accountId);
  if (!account) throw new NotFoundError('The account of this API key no longer exists.', 'account_not_found');
  return { account, priceMinor: priceFor({ defaultMinor: account.price_minor, byCategory: account.category_prices }, category) };
}
