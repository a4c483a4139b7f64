import {
  DakError,
  ServiceUnavailableError,
  formatMinor,
  mapEvent,
  renderTemplateText,
  type AutomationMapping,
  type AutomationVariable,
  type Condition,
  type RecipientSpec,
} from '@dak/core';
import {
  closeAutomationEvent,
  findAccountById,
  findAutomationEvent,
  findSentAutomationEvent,
  findWallet,
  isDuplicateSend,
  markAutomationEventSent,
  type AutomationEvent,
  type AutomationOutcome,
  type AutomationWithSender,
  type MessageToAccept,
  type Template,
} from '@dak/db';
import { parseOrThrow } from '@dak/http';
import type { ApiContext } from '../../context';
import { accountPrincipal, type Principal } from '../../http/auth';
import { acceptMessages } from '../messages/accept';
import { prepareSend, sendMessageSchema } from '../messages/send-message';
import { toMetaTemplate } from '../templates/service';
import { automationTemplate } from './service';

// An event becomes a message through send-message's own path (the request schema, the sender,
// the template's approval, the variables against its placeholders, then the hold and the row
// in one statement), or a recorded reason why not. Every reason is a stable code: the mapping's
// (condition_false, field_missing, field_invalid), duplicate, automation_disabled, and any
// error code the send path answers (invalid_phone_number, template_not_approved,
// insufficient_funds, variables_mismatch, …).

type Closed = Exclude<AutomationOutcome, 'pending' | 'sent' | 'invalid'>;

export type Verdict =
  | { outcome: 'sent'; dedupeValue: string; row: MessageToAccept; template: Template; metaPhoneNumberId: string }
  | { outcome: Closed; reason: string; message: string; dedupeValue: string | null };

export interface Evaluated {
  outcome: AutomationOutcome;
  reason: string | null;
  messageId: string | null;
}

function mappingOf(automation: AutomationWithSender): AutomationMapping {
  // Stored as validated at creation.
  return {
    recipient: automation.recipient as RecipientSpec,
    variables: automation.variables as AutomationVariable[],
    condition: automation.condition as Condition | null,
    dedupe: automation.dedupe_path,
  };
}

/** The automation sends on behalf of its account, from any of its numbers (checked at creation). */
async function automationPrincipal(ctx: ApiContext, automation: AutomationWithSender): Promise<Principal> {
  const account = await findAccountById(ctx.db, automation.account_id);
  if (!account) throw new Error(`account ${automation.account_id} of ${automation.id} is gone`);
  return accountPrincipal(account, `automation:${automation.id}`);
}

/** A refusal of the send path that is about this event, not a fault (a dependency down is one). */
function refusal(error: unknown): DakError | undefined {
  return error instanceof DakError && !(error instanceof ServiceUnavailableError) ? error : undefined;
}

/**
 * What the event would become, with nothing held or stored: the mapping, the dedupe check, and
 * everything send-message checks before it holds (so also for a dry-run).
 */
export async function judgeEvent(
  ctx: ApiContext,
  automation: AutomationWithSender,
  payload: unknown,
  clientReference: string | undefined,
): Promise<Verdict> {
  if (!automation.enabled) {
    return {
      outcome: 'skipped',
      reason: 'automation_disabled',
      message: 'The automation is disabled; PATCH it with {"enabled": true} to send again.',
      dedupeValue: null,
    };
  }
  const mapped = mapEvent(mappingOf(automation), payload);
  if (!mapped.ok) {
    const { reason, message } = mapped.failure;
    return { outcome: reason === 'condition_false' ? 'skipped' : 'failed', reason, message, dedupeValue: null };
  }
  const { dedupeValue } = mapped.mapped;
  const earlier = await findSentAutomationEvent(ctx.db, automation.id, dedupeValue);
  if (earlier) {
    return {
      outcome: 'skipped',
      reason: 'duplicate',
      message: `Dedupe value "${dedupeValue}" already became message ${earlier.message_id} (event ${earlier.id}); nothing more is sent.`,
      dedupeValue,
    };
  }
  try {
    const principal = await automationPrincipal(ctx, automation);
    const request = parseOrThrow(sendMessageSchema, {
      phone_number_id: automation.meta_phone_number_id,
      ...templateFields(automation),
      phone_number: mapped.mapped.recipient,
      variables: mapped.mapped.variables,
      ...(clientReference ? { client_reference: clientReference } : {}),
    });
    const { row, template } = await prepareSend(ctx, principal, request, new Date());
    return { outcome: 'sent', dedupeValue, row, template, metaPhoneNumberId: automation.meta_phone_number_id };
  } catch (error) {
    const refused = refusal(error);
    if (!refused) throw error;
    return { outcome: 'failed', reason: refused.code, message: refused.message, dedupeValue };
  }
}

function templateFields(automation: AutomationWithSender) {
  const reference = automationTemplate(automation);
  return 'id' in reference
    ? { template_id: reference.id }
    : { template_name: reference.name, template_language: reference.language };
}

class EventAlreadyClosed extends Error {}

/**
 * Evaluates a stored pending event once: its message is accepted (held) together with the
 * event's `sent` mark, or the event is closed with its reason. Safe to run twice on one event
 * (the hook and recovery): only the run whose mark finds the event pending commits, and a
 * second event of the same dedupe value rolls back on the dedupe index. A fault (a dependency
 * down) leaves the event pending for recovery and is thrown.
 */
export async function evaluateEvent(
  ctx: ApiContext,
  automation: AutomationWithSender,
  event: Pick<AutomationEvent, 'id' | 'payload'>,
): Promise<Evaluated> {
  const verdict = await judgeEvent(ctx, automation, event.payload, event.id);
  if (verdict.outcome !== 'sent') return close(ctx, event.id, verdict);
  const { row, dedupeValue } = verdict;
  try {
    await acceptMessages(ctx, automation.account_id, [row], undefined, async (trx) => {
      if (!(await markAutomationEventSent(trx, event.id, { dedupe_value: dedupeValue, message_id: row.id })))
        throw new EventAlreadyClosed();
    });
    return { outcome: 'sent', reason: null, messageId: row.id };
  } catch (error) {
    if (error instanceof EventAlreadyClosed) return current(ctx, event.id);
    if (isDuplicateSend(error)) {
      const earlier = await findSentAutomationEvent(ctx.db, automation.id, dedupeValue);
      return close(ctx, event.id, {
        outcome: 'skipped',
        reason: 'duplicate',
        message: `Dedupe value "${dedupeValue}" became message ${earlier?.message_id ?? '(unknown)'} through a concurrent delivery; nothing more is sent.`,
        dedupeValue,
      });
    }
    const refused = refusal(error);
    if (!refused) throw error;
    return close(ctx, event.id, { outcome: 'failed', reason: refused.code, message: refused.message, dedupeValue });
  }
}

async function close(
  ctx: ApiContext,
  eventId: string,
  verdict: Extract<Verdict, { reason: string }>,
): Promise<Evaluated> {
  const closed = await closeAutomationEvent(ctx.db, eventId, {
    outcome: verdict.outcome,
    reason: verdict.reason,
    reason_message: verdict.message,
    dedupe_value: verdict.dedupeValue,
  });
  if (!closed) return current(ctx, eventId);
  return { outcome: verdict.outcome, reason: verdict.reason, messageId: null };
}

/** Another evaluation closed the event first: its record is the answer. */
async function current(ctx: ApiContext, eventId: string): Promise<Evaluated> {
  const event = await findAutomationEvent(ctx.db, eventId);
  return { outcome: event?.outcome ?? 'pending', reason: event?.reason ?? null, messageId: event?.message_id ?? null };
}

/**
 * A dry-run: what the payload would become, including whether the wallet covers it now, with
 * no hold, no event and no message.
 */
export async function dryRun(ctx: ApiContext, automation: AutomationWithSender, payload: unknown) {
  const verdict = await judgeEvent(ctx, automation, payload, undefined);
  if (verdict.outcome !== 'sent') {
    return {
      would_send: false,
      outcome: verdict.outcome,
      reason: verdict.reason,
      reason_message: verdict.message,
      dedupe_value: verdict.dedupeValue,
      message: null,
    };
  }
  const { row, template } = verdict;
  const wallet = await findWallet(ctx.db, automation.account_id);
  const covered = wallet !== undefined && wallet.debt === 0 && wallet.available >= row.price_minor;
  const text = renderTemplateText(toMetaTemplate(template), row.variables as { type: string; values?: unknown }[]);
  return {
    would_send: covered,
    outcome: covered ? ('sent' as const) : ('failed' as const),
    reason: covered ? null : 'insufficient_funds',
    reason_message: covered
      ? null
      : `Not enough credit: this needs ${formatMinor(row.price_minor)} ${row.currency} but ${formatMinor(wallet?.available ?? 0)} is available${wallet?.debt ? ` and the wallet owes ${formatMinor(wallet.debt)}` : ''}. Top up the wallet.`,
    dedupe_value: verdict.dedupeValue,
    message: {
      phone_number_id: verdict.metaPhoneNumberId,
      phone_number: row.recipient,
      template: { id: template.id, name: template.name, language: template.language, category: template.category },
      variables: row.variables,
      components: row.components,
      header_text: text.header,
      body_text: text.body,
      price: formatMinor(row.price_minor),
      currency: row.currency,
    },
  };
}
