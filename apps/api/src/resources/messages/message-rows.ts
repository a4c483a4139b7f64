import {
  DakError,
  buildTemplateComponents,
  priceFor,
  newId,
  priorityOfCategory,
  type MetaTemplate,
  type Priority,
  type SendVariable,
} from '@dak/core';
import type { MessageToAccept, PhoneNumber, Template } from '@dak/db';
import type { Principal } from '../../http/auth';
import { toMetaTemplate } from '../templates/service';

// A send in two steps, so a batch pays for the first once and for the second per recipient:
// the target (sender, template, price: looked up) and the row (recipient and components: pure).

/** What a send resolves once, however many recipients it has. */
export interface SendTarget {
  accountId: string;
  currency: string;
  sender: PhoneNumber;
  template: Template;
  metaTemplate: MetaTemplate;
  priceMinor: number;
  priority: Priority;
}

export function sendTarget(
  principal: Principal,
  sender: PhoneNumber,
  template: Template,
  priority?: Priority,
): SendTarget {
  return {
    accountId: principal.accountId,
    currency: principal.account.currency,
    sender,
    template,
    metaTemplate: toMetaTemplate(template),
    priceMinor: priceOf(principal, template.category),
    priority: priority ?? priorityOfCategory(template.category),
  };
}

export interface MessageItem {
  recipient: string;
  variables: SendVariable[];
  client_reference?: string | undefined;
  expires_in?: number | undefined;
}

/** The message row for one recipient; a 422 naming each placeholder when the variables do not fit. */
export function messageRow(target: SendTarget, item: MessageItem, now: Date, batchId?: string): MessageToAccept {
  const { template } = target;
  const built = buildTemplateComponents(target.metaTemplate, item.variables);
  if (!built.ok) {
    throw new DakError(
      'variables_mismatch',
      `The variables do not fit template "${template.name}": ${built.errors.map((e) => e.message).join('; ')}. GET /api/whatsapp/v1/get-template-by-id/${template.id} shows what it expects.`,
      { errors: built.errors },
    );
  }
  return {
    id: newId('msg'),
    account_id: target.accountId,
    sender_id: target.sender.id,
    template_id: template.id,
    template_name: template.name,
    template_language: template.language,
    template_category: template.category,
    recipient: item.recipient,
    variables: item.variables,
    components: built.components,
    client_reference: item.client_reference ?? null,
    price_minor: target.priceMinor,
    currency: target.currency,
    expires_at: item.expires_in ? new Date(now.getTime() + item.expires_in * 1000) : null,
    queued_at: now,
    priority: target.priority,
    ...(batchId ? { batch_id: batchId } : {}),
  };
}

/** The price of one message of this category for the caller's account, in minor units. */
export function priceOf(principal: Principal, category: string): number {
  const { price_minor, category_prices } = principal.account;
  return priceFor({ defaultMinor: price_minor, byCategory: category_prices }, category);
}
