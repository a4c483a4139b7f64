import { z } from 'zod';
import { DakError, PRIORITIES, newId, priorityAllowed, priorityOfCategory, type Priority } from '@dak/core';
import { insertBatch, type Database, type MessageToAccept } from '@dak/db';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import { messageRow, sendTarget, type SendTarget } from './message-rows';
import { addressByKnownNumber, addressOf, checkRecipient } from './recipient';
import {
  acceptAnswering,
  checkIdempotencyKey,
  checkTemplateReference,
  isObjectBody,
  parseSendRequest,
  sendMessageSchema,
  templateReference,
  type SendResult,
} from './send-message';
import { optedOutError, optedOutRecipients } from '../contacts/opt-outs';
import { resolveSender } from '../phone-numbers/service';
import { resolveSendableTemplate } from '../templates/service';
import type { sendBatchResponseSchema } from './schema';

type SendBatchAnswer = z.infer<typeof sendBatchResponseSchema>;

export const MAX_BATCH_MESSAGES = 10_000;

// The fields are send-message's own schemas, so an item is checked exactly as a single send is.
const field = sendMessageSchema.shape;

/** One message of a batch: send-message's recipient, variables and options. */
export const batchItemSchema = z
  .object({
    phone_number: field.phone_number,
    user_id: field.user_id,
    variables: field.variables,
    client_reference: field.client_reference,
    expires_in: field.expires_in,
  })
  .superRefine(checkRecipient, { when: isObjectBody });

const PRIORITY_HELP = `"authentication", "utility" or "marketing" (most urgent first)`;

function batchSchema<Item extends z.ZodType>(item: Item) {
  return z
    .object({
      phone_number_id: field.phone_number_id,
      template_id: field.template_id,
      template_name: field.template_name,
      template_language: field.template_language,
      priority: z.enum(PRIORITIES, { error: `must be ${PRIORITY_HELP}` }).optional(),
      messages: z
        .array(item, { error: `required: an array of 1 to ${MAX_BATCH_MESSAGES} messages` })
        .min(1, `must hold at least one message (at most ${MAX_BATCH_MESSAGES})`)
        .max(MAX_BATCH_MESSAGES, `at most ${MAX_BATCH_MESSAGES} messages; split larger sends into several batches`),
    })
    .superRefine(checkTemplateReference, { when: isObjectBody });
}

/** What the handler parses: the batch's own fields; each item is checked on its own afterwards. */
export const sendBatchSchema = batchSchema(z.unknown());
/** The same request as documented, items included. */
export const sendBatchRequestSchema = batchSchema(batchItemSchema);

export interface RejectedItem {
  index: number;
  error: { code: string; message: string };
}

/** At most this many problems are listed per item: enough to fix it, bounded for 10,000 items. */
const ISSUES_PER_ITEM = 10;

function rejectedBySchema(index: number, error: z.ZodError): RejectedItem {
  const issues = error.issues
    .slice(0, ISSUES_PER_ITEM)
    .map(
      (issue) =>
        `messages[${index}]${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`,
    );
  const more = error.issues.length > ISSUES_PER_ITEM ? ` (and ${error.issues.length - ISSUES_PER_ITEM} more)` : '';
  return { index, error: { code: 'invalid_request', message: `${issues.join('; ')}${more}` } };
}

/** An item's row, or why it cannot be sent: the checks and answers of send-message, per item. */
function prepareItem(
  target: SendTarget,
  raw: unknown,
  index: number,
  now: Date,
  batchId: string,
): MessageToAccept | RejectedItem {
  const parsed = batchItemSchema.safeParse(raw);
  if (!parsed.success) return rejectedBySchema(index, parsed.error);
  try {
    return messageRow(target, { ...parsed.data, recipient: addressOf(parsed.data) }, now, batchId);
  } catch (error) {
    if (error instanceof DakError) return rejectedAs(index, error);
    throw error;
  }
}

function rejectedAs(index: number, error: DakError): RejectedItem {
  return { index, error: { code: error.code, message: `messages[${index}]: ${error.message}` } };
}

function chosenPriority(requested: Priority | undefined, category: string, templateName: string): Priority {
  if (requested === undefined) return priorityOfCategory(category);
  if (!priorityAllowed(requested, category)) {
    throw new DakError(
      'priority_not_allowed',
      `priority "${requested}" is faster than template "${templateName}" may use: it is a ${category} template, so its lane is "${priorityOfCategory(category)}" or slower (${PRIORITY_HELP}). Omit priority to use the template's lane.`,
      { priority: requested, template_category: category },
    );
  }
  return requested;
}

/**
 * One template to up to 10,000 recipients. The sender, template and price are resolved once
 * (their errors fail the whole request, as on send-message); each item is then checked alone
 * (a MARKETING template's opted-out recipients by one lookup for all) and either becomes a row
 * or is reported by index. The valid rows are accepted together: one
 * statement holds their whole price (402 and nothing stored if it does not fit) and the batch
 * row commits in the same transaction; one addBulk enqueues them.
 */
export async function sendBatch(
  ctx: ApiContext,
  principal: Principal,
  rawBody: unknown,
  idempotencyKey: string | undefined,
): Promise<SendResult<SendBatchAnswer>> {
  checkIdempotencyKey(idempotencyKey);
  const items = (rawBody as { messages?: unknown } | null)?.messages;
  if (Array.isArray(items) && items.length > MAX_BATCH_MESSAGES) {
    throw new DakError(
      'batch_too_large',
      `This batch has ${items.length} messages; send-batch takes at most ${MAX_BATCH_MESSAGES}. Split it into several batches.`,
      { messages: items.length, max_messages: MAX_BATCH_MESSAGES },
    );
  }
  const { request, hash, replay } = await parseSendRequest<typeof sendBatchSchema, SendBatchAnswer>(
    ctx,
    principal.accountId,
    sendBatchSchema,
    rawBody,
    idempotencyKey,
  );
  if (replay) return replay;

  const sender = await resolveSender(ctx, principal, request.phone_number_id);
  const template = await resolveSendableTemplate(ctx, principal, templateReference(request));
  const target = sendTarget(
    principal,
    sender,
    template,
    chosenPriority(request.priority, template.category, template.name),
  );
  const batchId = newId('bat');
  const now = new Date();
  const prepared = request.messages.map((raw, index) => prepareItem(target, raw, index, now, batchId));
  await addressByKnownNumber(
    ctx.db,
    principal.accountId,
    prepared.flatMap((p) => ('error' in p ? [] : [p])),
  );
  const optedOut = await optedOutRecipients(
    ctx,
    principal.accountId,
    template,
    prepared.flatMap((p) => ('error' in p ? [] : [p.recipient])),
  );
  const rows: MessageToAccept[] = [];
  const rejected: RejectedItem[] = [];
  const messageIds: (string | null)[] = prepared.map((item, index) => {
    if ('error' in item) {
      rejected.push(item);
      return null;
    }
    const contact = optedOut.get(item.recipient);
    if (contact) {
      rejected.push(rejectedAs(index, optedOutError(contact, template.name)));
      return null;
    }
    rows.push(item);
    return item.id;
  });
  if (rows.length === 0) {
    throw new DakError(
      'no_valid_messages',
      `None of the ${rejected.length} messages can be sent, so nothing was stored or held. details.rejected gives each one's reason, e.g. ${rejected[0]!.error.message}`,
      { rejected },
    );
  }

  const body: SendBatchAnswer = {
    success: true,
    batch_id: batchId,
    accepted: rows.length,
    rejected,
    message_ids: messageIds,
  };
  const recordBatch = (trx: Database) =>
    insertBatch(trx, {
      id: batchId,
      account_id: principal.accountId,
      sender_id: sender.id,
      template_id: template.id,
      template_name: template.name,
      template_language: template.language,
      priority: target.priority,
      currency: target.currency,
      accepted: rows.length,
      rejected: rejected.length,
      idempotency_key: idempotencyKey ?? null,
      created_at: now,
    });
  return acceptAnswering(ctx, principal.accountId, rows, body, idempotencyKey, hash, recordBatch);
}
