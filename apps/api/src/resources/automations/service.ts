import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import {
  DakError,
  encryptSecret,
  hashApiKey,
  newId,
  parseSendVariables,
  sampleVariables,
  type AutomationVariable,
} from '@dak/core';
import {
  deleteAutomation as deleteAutomationRow,
  findAutomation,
  insertAutomation,
  listAutomationEvents,
  listAutomations as listAutomationRows,
  updateAutomation as updateAutomationRow,
  type AutomationWithSender,
  type PhoneNumber,
} from '@dak/db';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import { messageRow, sendTarget } from '../messages/message-rows';
import { templateReference } from '../messages/send-message';
import { resolveSender } from '../phone-numbers/service';
import { findAccountTemplate, type TemplateReference } from '../templates/service';
import { HOOKS_BASE } from '../../routes/mount-points';
import { presentAutomation, presentAutomationEvent } from './presenter';
import type {
  CreateAutomationRequest,
  UpdateAutomationRequest,
  automationEventListSchema,
  createdAutomationSchema,
  eventListQuerySchema,
} from './schema';
import { idPage } from '../requests';

export async function requireAutomation(
  ctx: ApiContext,
  principal: Principal,
  id: string,
): Promise<AutomationWithSender> {
  const automation = await findAutomation(ctx.db, principal.accountId, id);
  if (!automation) {
    throw new DakError('automation_not_found', `No automation "${id}" in this account. GET /automations lists them.`);
  }
  return automation;
}

/**
 * What a send would check, checked now: the sender is the account's (and the key's), the
 * template exists in the account, and the variables fit its placeholders: each path stands in
 * with a sample of what it gives, and send-message's own schema and template check judge the
 * result, so a mismatch is the same 422 `variables_mismatch` naming the placeholders. The
 * template need not be APPROVED yet (one under review can be wired up); a send then records
 * template_not_approved until it is.
 */
async function checkMapping(
  ctx: ApiContext,
  principal: Principal,
  mapping: { phoneNumberId: string; template: TemplateReference; variables: AutomationVariable[] },
): Promise<PhoneNumber> {
  const sender = await resolveSender(ctx, principal, mapping.phoneNumberId);
  const template = await findAccountTemplate(ctx, principal, mapping.template);
  const parsed = parseSendVariables(sampleVariables(mapping.variables));
  if (!parsed.ok) {
    throw new DakError('invalid_request', `Invalid variables: ${parsed.errors.map((e) => e.message).join('; ')}`, {
      issues: parsed.errors.map((e) => ({ path: 'variables', message: e.message })),
    });
  }
  messageRow(sendTarget(principal, sender, template), { recipient: '0', variables: parsed.variables }, new Date());
  return sender;
}

function verifyColumns(ctx: ApiContext, verify: CreateAutomationRequest['verify']) {
  return verify
    ? {
        verify_kind: verify.kind,
        verify_header: verify.header.toLowerCase(),
        verify_secret_encrypted: encryptSecret(verify.secret, ctx.config.encryptionKey),
      }
    : { verify_kind: null, verify_header: null, verify_secret_encrypted: null };
}

export async function createAutomation(
  ctx: ApiContext,
  principal: Principal,
  input: CreateAutomationRequest,
): Promise<z.infer<typeof createdAutomationSchema>> {
  const sender = await checkMapping(ctx, principal, {
    phoneNumberId: input.phone_number_id,
    template: templateReference(input),
    variables: input.variables,
  });
  const id = newId('aut');
  const token = `hk_${randomBytes(24).toString('base64url')}`;
  await insertAutomation(ctx.db, {
    id,
    account_id: principal.accountId,
    name: input.name,
    sender_id: sender.id,
    template_id: input.template_id ?? null,
    template_name: input.template_name ?? null,
    template_language: input.template_language ?? null,
    recipient: JSON.stringify(input.recipient),
    variables: JSON.stringify(input.variables),
    condition: input.condition ? JSON.stringify(input.condition) : null,
    dedupe_path: input.dedupe,
    ...verifyColumns(ctx, input.verify),
    token_hash: hashApiKey(token),
    enabled: input.enabled,
  });
  const created = await requireAutomation(ctx, principal, id);
  // The token is shown only here; Dak keeps its SHA-256, as for API keys.
  return { ...presentAutomation(created), url: `${ctx.config.publicUrl}${HOOKS_BASE}/${id}/${token}` };
}

export async function listAutomations(ctx: ApiContext, principal: Principal) {
  return { automations: (await listAutomationRows(ctx.db, principal.accountId)).map(presentAutomation) };
}

/** The template as the automation names it. */
export function automationTemplate(automation: AutomationWithSender): TemplateReference {
  return automation.template_id !== null
    ? { id: automation.template_id }
    : { name: automation.template_name!, language: automation.template_language! };
}

/**
 * Changes what is given. A change of sender, template or variables is checked as at creation,
 * against the automation as it would be; `enabled: false` alone needs nothing else to be valid.
 */
export async function updateAutomation(
  ctx: ApiContext,
  principal: Principal,
  id: string,
  input: UpdateAutomationRequest,
) {
  const current = await requireAutomation(ctx, principal, id);
  const template: TemplateReference =
    input.template_id !== undefined || input.template_name !== undefined
      ? templateReference(input)
      : automationTemplate(current);
  const changes: Parameters<typeof updateAutomationRow>[3] = {};
  if (
    input.phone_number_id !== undefined ||
    input.template_id !== undefined ||
    input.template_name !== undefined ||
    input.variables !== undefined
  ) {
    const sender = await checkMapping(ctx, principal, {
      phoneNumberId: input.phone_number_id ?? current.meta_phone_number_id,
      template,
      variables: input.variables ?? (current.variables as AutomationVariable[]),
    });
    changes.sender_id = sender.id;
    changes.template_id = 'id' in template ? template.id : null;
    changes.template_name = 'name' in template ? template.name : null;
    changes.template_language = 'name' in template ? template.language : null;
  }
  if (input.name !== undefined) changes.name = input.name;
  if (input.recipient !== undefined) changes.recipient = JSON.stringify(input.recipient);
  if (input.variables !== undefined) changes.variables = JSON.stringify(input.variables);
  if (input.condition !== undefined) changes.condition = input.condition ? JSON.stringify(input.condition) : null;
  if (input.dedupe !== undefined) changes.dedupe_path = input.dedupe;
  if (input.verify !== undefined) Object.assign(changes, verifyColumns(ctx, input.verify));
  if (input.enabled !== undefined) changes.enabled = input.enabled;
  await updateAutomationRow(ctx.db, principal.accountId, id, changes);
  return presentAutomation(await requireAutomation(ctx, principal, id));
}

/** Deletes the automation and its events: its hook URL answers 401 from then on. */
export async function deleteAutomation(ctx: ApiContext, principal: Principal, id: string) {
  if (!(await deleteAutomationRow(ctx.db, principal.accountId, id))) await requireAutomation(ctx, principal, id);
  return { id, deleted: true as const };
}

export async function listEvents(
  ctx: ApiContext,
  principal: Principal,
  id: string,
  query: z.output<typeof eventListQuerySchema>,
): Promise<z.infer<typeof automationEventListSchema>> {
  await requireAutomation(ctx, principal, id);
  const rows = await listAutomationEvents(ctx.db, id, { before: query.cursor, limit: query.limit + 1 });
  const { page, nextCursor } = idPage(rows, query.limit);
  return { events: page.map(presentAutomationEvent), next_cursor: nextCursor };
}
