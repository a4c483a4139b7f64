import { z } from 'zod';
import {
  DakError,
  newId,
  presentAddress,
  SESSION_TYPES,
  serviceWindow,
  sessionContentSchemas,
  type SessionType,
} from '@dak/core';
import { lastInboundAt, wamidOfMessage, type MessageToAccept, type PhoneNumber } from '@dak/db';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import type { sendMessageResponseSchema } from './schema';
import { checkRecipient, recipientFields, resolveAddress } from './recipient';
import { isObjectBody, phoneNumberIdField, sendOne, type SendResult } from './send-message';
import { resolveSender } from '../phone-numbers/service';

const common = {
  phone_number_id: phoneNumberIdField,
  ...recipientFields,
  reply_to: z
    .string({ error: "must be a string: the wamid, or Dak's id (msg_… or im_…), of the message this one answers" })
    .trim()
    .min(1)
    .max(256)
    .optional(),
  client_reference: z.string().max(256, 'at most 256 characters').optional(),
};

const variant = <T extends SessionType>(type: T) =>
  z
    .object({ ...common, type: z.literal(type), [type]: sessionContentSchemas[type] } as {
      type: z.ZodLiteral<T>;
    } & typeof common & { [K in T]: (typeof sessionContentSchemas)[T] })
    .superRefine(checkRecipient, { when: isObjectBody });

export const sendSessionMessageSchema = z.discriminatedUnion(
  'type',
  [
    variant('text'),
    variant('image'),
    variant('video'),
    variant('audio'),
    variant('document'),
    variant('sticker'),
    variant('location'),
    variant('reaction'),
    variant('interactive'),
  ],
  { error: `type must be one of ${SESSION_TYPES.join(', ')}, with the object of that name beside it` },
);
export type SendSessionMessageRequest = z.infer<typeof sendSessionMessageSchema>;
type SendMessageAnswer = z.infer<typeof sendMessageResponseSchema>;

/** The open window's sender and recipient, or the 422 saying when it closed and what to send instead. */
async function requireOpenWindow(ctx: ApiContext, accountId: string, sender: PhoneNumber, recipient: string) {
  const last = await lastInboundAt(ctx.db, accountId, sender.id, recipient);
  const window = serviceWindow(last);
  if (window.open) return;
  const when = window.until
    ? `Its 24-hour customer-service window closed at ${window.until.toISOString()} (24 hours after their last message)`
    : // A conversation idle past INBOUND_RETENTION_DAYS is deleted, its last message time with it.
      `${recipient} has never written to this number (or not in the last ${ctx.config.retention.inboundDays} days, which is as long as Dak keeps an idle conversation), so no customer-service window is open`;
  throw new DakError(
    'window_closed',
    `${when}. Session messages go only inside the window; reach the customer with an approved template (POST /api/whatsapp/v1/send-message), and answer with session messages once they reply.`,
    { ...presentAddress(recipient), window_closed_at: window.until?.toISOString() ?? null },
  );
}

/** A wamid as given, or the wamid of the account's message named by Dak's id. */
async function resolveWamid(ctx: ApiContext, accountId: string, sender: PhoneNumber, ref: string, field: string) {
  if (!/^(msg|im)_/.test(ref)) return ref;
  const wamid = await wamidOfMessage(ctx.db, accountId, sender.id, ref);
  if (!wamid) {
    throw new DakError(
      'reply_to_not_found',
      `${field} "${ref}" names no message of this number that Meta has taken yet. Give the wamid, or the id of a message sent from or received on phone_number_id.`,
      { field },
    );
  }
  return wamid;
}

/** The row of a session message: checked (window, reply target) before anything is held. */
export async function prepareSessionMessage(
  ctx: ApiContext,
  principal: Principal,
  request: SendSessionMessageRequest,
  now: Date,
): Promise<MessageToAccept> {
  const sender = await resolveSender(ctx, principal, request.phone_number_id);
  const recipient = await resolveAddress(ctx.db, principal.accountId, request);
  await requireOpenWindow(ctx, principal.accountId, sender, recipient);
  const { type } = request;
  let content = (request as Record<string, unknown>)[type] as Record<string, unknown>;
  if (request.type === 'reaction') {
    content = {
      ...request.reaction,
      message_id: await resolveWamid(
        ctx,
        principal.accountId,
        sender,
        request.reaction.message_id,
        'reaction.message_id',
      ),
    };
  }
  const contextWamid = request.reply_to
    ? await resolveWamid(ctx, principal.accountId, sender, request.reply_to, 'reply_to')
    : null;
  return {
    id: newId('msg'),
    account_id: principal.accountId,
    sender_id: sender.id,
    kind: 'session',
    session: { type, content, context_wamid: contextWamid },
    // A session message has no template: empty strings, and Meta's pricing category for it.
    template_id: '',
    template_name: '',
    template_language: '',
    template_category: 'SERVICE',
    recipient,
    variables: [],
    components: [],
    client_reference: request.client_reference ?? null,
    price_minor: principal.account.session_price_minor,
    currency: principal.account.currency,
    expires_at: null,
    queued_at: now,
    // Customer replies: the fastest lane.
    priority: 'authentication',
  };
}

export function sendSessionMessage(
  ctx: ApiContext,
  principal: Principal,
  rawBody: unknown,
  idempotencyKey: string | undefined,
): Promise<SendResult<SendMessageAnswer>> {
  return sendOne(ctx, principal, sendSessionMessageSchema, rawBody, idempotencyKey, prepareSessionMessage);
}
