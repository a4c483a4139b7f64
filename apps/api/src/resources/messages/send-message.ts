import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DakError, sendVariablesSchema } from '@dak/core';
import { findIdempotentResponse, type Database, type MessageToAccept, type Template } from '@dak/db';
import { parseOrThrow } from '@dak/http';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import type { sendMessageResponseSchema } from './schema';
import { acceptMessages, IdempotencyRaceError } from './accept';
import { messageRow, sendTarget } from './message-rows';
import { checkRecipient, recipientFields, resolveAddress } from './recipient';
import { refuseOptedOut } from '../contacts/opt-outs';
import { resolveSender } from '../phone-numbers/service';
import { resolveSendableTemplate, type TemplateReference } from '../templates/service';

/** The number to send from: every send names it the same way (and its recipient as recipient.ts says). */
export const phoneNumberIdField = z
  .string({ error: 'required: the Meta phone number id to send from' })
  .trim()
  .min(1)
  .max(64, 'at most 64 characters: a Meta phone number id');

export const sendMessageSchema = z
  .object({
    phone_number_id: phoneNumberIdField,
    template_id: z
      .string({ error: 'must be a string: the Meta template id' })
      .trim()
      .min(1)
      .max(64, 'at most 64 characters: a Meta template id')
      .optional(),
    template_name: z
      .string({ error: 'must be a string: the template name as in Meta' })
      .trim()
      .min(1)
      .max(512, "at most 512 characters, Meta's limit for a template name")
      .optional(),
    template_language: z
      .string({ error: "must be a string: the template's language code, e.g. en_US" })
      .trim()
      .min(1)
      .max(16, 'at most 16 characters: a language code such as en_US')
      .optional(),
    ...recipientFields,
    variables: sendVariablesSchema.default([]),
    client_reference: z.string().max(256, 'at most 256 characters').optional(),
    expires_in: z
      .number()
      .int('whole seconds')
      .min(1, 'at least 1 second')
      .max(30 * 86_400, 'at most 30 days (2592000 seconds)')
      .optional(),
  })
  // Run even when other fields are wrong, so one 400 lists every problem.
  .superRefine(checkTemplateReference, { when: isObjectBody })
  .superRefine(checkRecipient, { when: isObjectBody });
export type SendMessageRequest = z.infer<typeof sendMessageSchema>;
type SendMessageAnswer = z.infer<typeof sendMessageResponseSchema>;

export function isObjectBody({ value }: { value: unknown }): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The template is named one way: `template_id`, or `template_name` with `template_language`. */
export function checkTemplateReference(
  request: { template_id?: unknown; template_name?: unknown; template_language?: unknown },
  ctx: z.RefinementCtx,
): void {
  const byId = request.template_id !== undefined;
  const byName = request.template_name !== undefined;
  const hasLanguage = request.template_language !== undefined;
  const ways =
    'template_id (the Meta template id), or template_name with template_language (e.g. "order_update" and "en_US")';
  if (byId && (byName || hasLanguage)) {
    ctx.addIssue({ code: 'custom', path: ['template_id'], message: `give either ${ways}, not both` });
  } else if (!byId && !byName && !hasLanguage) {
    ctx.addIssue({ code: 'custom', path: ['template_id'], message: `required: ${ways}` });
  } else if (byName && !hasLanguage) {
    ctx.addIssue({
      code: 'custom',
      path: ['template_language'],
      message: "required with template_name: the template's language code, e.g. en_US",
    });
  } else if (hasLanguage && !byName) {
    ctx.addIssue({
      code: 'custom',
      path: ['template_name'],
      message: 'required with template_language: the template name as in Meta',
    });
  }
}

/** How the request names its template; the schema guarantees exactly one way. */
export function templateReference(
  request: Pick<SendMessageRequest, 'template_id' | 'template_name' | 'template_language'>,
): TemplateReference {
  if (request.template_id !== undefined) return { id: request.template_id };
  return { name: request.template_name!, language: request.template_language! };
}

/** A send's answer (always a 200: only those are stored for an Idempotency-Key), and whether it is a stored one. */
export interface SendResult<B> {
  body: B;
  replayed: boolean;
}

export const MAX_IDEMPOTENCY_KEY = 255;

export function checkIdempotencyKey(idempotencyKey: string | undefined): void {
  if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
    throw new DakError('invalid_idempotency_key', `Idempotency-Key must be 1–${MAX_IDEMPOTENCY_KEY} characters.`, {
      header: 'Idempotency-Key',
    });
  }
}

export function requestHash(body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');
}

/** Same key and same body within 24 h: the first response again. Same key, other body: 409. */
export async function replayIdempotent<B>(
  ctx: ApiContext,
  accountId: string,
  key: string,
  hash: string,
): Promise<SendResult<B> | undefined> {
  const stored = await findIdempotentResponse(ctx.db, accountId, key);
  if (!stored) return undefined;
  if (stored.request_hash !== hash) {
    throw new DakError(
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request body in the last 24 hours. Use a new key for a new request.',
    );
  }
  // Stored by acceptAnswering from an answer of the same endpoint, so of the same shape.
  return { body: stored.response as B, replayed: true };
}

/**
 * The start of every send request: the body validated (so of bounded size and depth) before it
 * is hashed, and hashed only when an Idempotency-Key asks for it; an answer already stored for
 * the key is returned as `replay`.
 */
export async function parseSendRequest<S extends z.ZodType, B>(
  ctx: ApiContext,
  accountId: string,
  schema: S,
  rawBody: unknown,
  idempotencyKey: string | undefined,
): Promise<{ request: z.output<S>; hash: string; replay?: SendResult<B> | undefined }> {
  const request = parseOrThrow(schema, rawBody);
  if (!idempotencyKey) return { request, hash: '' };
  const hash = requestHash(rawBody);
  return { request, hash, replay: await replayIdempotent<B>(ctx, accountId, idempotencyKey, hash) };
}

/** Builds the message row: everything is checked here, before a single paisa is held. */
export async function prepareMessage(
  ctx: ApiContext,
  principal: Principal,
  request: SendMessageRequest,
  now: Date,
): Promise<MessageToAccept> {
  return (await prepareSend(ctx, principal, request, now)).row;
}

/** prepareMessage, with the template it resolved (an automation's dry-run renders its text). */
export async function prepareSend(
  ctx: ApiContext,
  principal: Principal,
  request: SendMessageRequest,
  now: Date,
): Promise<{ row: MessageToAccept; template: Template }> {
  const sender = await resolveSender(ctx, principal, request.phone_number_id);
  const recipient = await resolveAddress(ctx.db, principal.accountId, request);
  const template = await resolveSendableTemplate(ctx, principal, templateReference(request));
  await refuseOptedOut(ctx, principal.accountId, template, recipient);
  return { row: messageRow(sendTarget(principal, sender, template), { ...request, recipient }, now), template };
}

export function sendMessage(
  ctx: ApiContext,
  principal: Principal,
  rawBody: unknown,
  idempotencyKey: string | undefined,
): Promise<SendResult<SendMessageAnswer>> {
  return sendOne(ctx, principal, sendMessageSchema, rawBody, idempotencyKey, prepareMessage);
}

/**
 * One message, as send-message and send-session-message take it: the key checked, the body
 * parsed (or the stored answer replayed), the row prepared by `prepare`, then held and queued.
 */
export async function sendOne<S extends z.ZodType>(
  ctx: ApiContext,
  principal: Principal,
  schema: S,
  rawBody: unknown,
  idempotencyKey: string | undefined,
  prepare: (ctx: ApiContext, principal: Principal, request: z.output<S>, now: Date) => Promise<MessageToAccept>,
): Promise<SendResult<SendMessageAnswer>> {
  checkIdempotencyKey(idempotencyKey);
  const { request, hash, replay } = await parseSendRequest<S, SendMessageAnswer>(
    ctx,
    principal.accountId,
    schema,
    rawBody,
    idempotencyKey,
  );
  if (replay) return replay;
  const row = await prepare(ctx, principal, request, new Date());
  return acceptAnswering(
    ctx,
    principal.accountId,
    [row],
    { success: true, message_id: row.id, status: 'queued' },
    idempotencyKey,
    hash,
  );
}

/**
 * Accepts the rows and answers `body`; with an Idempotency-Key, the answer is stored with them,
 * and when a concurrent request with the same key committed first, this one answers as it did.
 */
export async function acceptAnswering<B>(
  ctx: ApiContext,
  accountId: string,
  rows: MessageToAccept[],
  body: B,
  idempotencyKey: string | undefined,
  hash: string,
  alongside?: (trx: Database) => Promise<void>,
): Promise<SendResult<B>> {
  try {
    await acceptMessages(
      ctx,
      accountId,
      rows,
      idempotencyKey ? { key: idempotencyKey, requestHash: hash, response: body } : undefined,
      alongside,
    );
  } catch (error) {
    if (error instanceof IdempotencyRaceError && idempotencyKey) {
      const replay = await replayIdempotent<B>(ctx, accountId, idempotencyKey, hash);
      if (replay) return replay;
    }
    throw error;
  }
  return { body, replayed: false };
}
