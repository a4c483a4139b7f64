import { DakError, presentAddress } from '@dak/core';
import { optedOutAmong, type OptedOutContact, type Template } from '@dak/db';
import type { ApiContext } from '../../context';

const WHY: Record<string, string> = {
  stop_keyword: 'replied with an opt-out keyword',
  meta_131050: 'Meta reported that they stopped marketing messages (error 131050)',
  manual: 'was opted out through PATCH /contacts',
};

/**
 * The opted-out recipients of a MARKETING send, by number; nothing (and no query) for utility
 * and authentication templates, which still go to them. One lookup on the contacts' unique
 * index, however many recipients.
 */
export async function optedOutRecipients(
  ctx: ApiContext,
  accountId: string,
  template: Pick<Template, 'category'>,
  recipients: readonly string[],
): Promise<Map<string, OptedOutContact>> {
  if (template.category.toUpperCase() !== 'MARKETING') return new Map();
  return new Map((await optedOutAmong(ctx.db, accountId, recipients)).map((c) => [c.number, c]));
}

/** The 422 for a marketing send to an opted-out recipient: since when, why, and what still goes. */
export function optedOutError(contact: OptedOutContact, templateName: string): DakError {
  const keyword = contact.opt_out_keyword ? ` ("${contact.opt_out_keyword}")` : '';
  const why = `${WHY[contact.opt_out_reason ?? ''] ?? 'opted out'}${keyword}`;
  return new DakError(
    'recipient_opted_out',
    `${contact.number} opted out of marketing on ${contact.opted_out_at?.toISOString() ?? 'an unknown date'}: they ${why}. ` +
      `"${templateName}" is a MARKETING template, so it was not sent and nothing was held; utility and authentication templates still go. ` +
      'Only the customer (a START reply) or you (PATCH /api/whatsapp/v1/contacts/{id} with "opted_out": false, with their consent) can opt them back in.',
    {
      ...presentAddress(contact.number),
      opted_out_at: contact.opted_out_at?.toISOString() ?? null,
      reason: contact.opt_out_reason,
      keyword: contact.opt_out_keyword,
    },
  );
}

/** Refuses a marketing send to one opted-out recipient. */
export async function refuseOptedOut(
  ctx: ApiContext,
  accountId: string,
  template: Pick<Template, 'category' | 'name'>,
  recipient: string,
): Promise<void> {
  const contact = (await optedOutRecipients(ctx, accountId, template, [recipient])).get(recipient);
  if (contact) throw optedOutError(contact, template.name);
}
