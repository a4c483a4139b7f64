import type { z } from 'zod';
import { DakError, decryptSecret, isConversationId } from '@dak/core';
import {
  findConversation,
  listConversationMessages as listMessageRows,
  listConversations as listConversationRows,
  markConversationRead,
  type PagePosition,
} from '@dak/db';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import { presentConversation, presentConversationMessage } from './presenter';
import type {
  conversationListQuerySchema,
  conversationListSchema,
  conversationMessageListSchema,
  conversationReadSchema,
} from './schema';

type PageQuery = z.output<typeof conversationListQuerySchema>;

function notFound(id: string): DakError {
  return new DakError(
    'conversation_not_found',
    `No conversation "${id}". GET /api/whatsapp/v1/conversations lists your conversations.`,
  );
}

async function requireConversation(ctx: ApiContext, principal: Principal, id: string) {
  const conversation = isConversationId(id) ? await findConversation(ctx.db, principal.accountId, id) : undefined;
  if (!conversation) throw notFound(id);
  return conversation;
}

/** The cursor is the (time, id) of the page's last row, opaque to callers. */
const encodeCursor = ({ at, id }: PagePosition) =>
  Buffer.from(`${at.toISOString()}|${id}`, 'utf8').toString('base64url');

function decodeCursor(cursor: string | undefined): PagePosition | undefined {
  if (cursor === undefined) return undefined;
  const [time, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(time ?? '');
  // Only the exact time this endpoint wrote (1970 or later): anything else would reach Postgres out of range.
  const exact = !Number.isNaN(at.getTime()) && at.getTime() >= 0 && at.toISOString() === time;
  if (rest.length > 0 || !id || !/^[a-z]{2,3}_[0-9a-z]{26}$/.test(id) || !exact) {
    throw new DakError(
      'invalid_request',
      'Invalid query: cursor: pass the next_cursor of the previous page as it is.',
      {
        issues: [{ path: 'cursor', message: 'not a cursor this endpoint gave' }],
      },
    );
  }
  return { at, id };
}

/** One more row than asked tells whether a next page exists. */
function paged<T, U>(rows: T[], limit: number, present: (row: T) => U, position: (row: T) => PagePosition) {
  const page = rows.slice(0, limit);
  return { items: page.map(present), next_cursor: rows.length > limit ? encodeCursor(position(page.at(-1)!)) : null };
}

export async function listConversations(
  ctx: ApiContext,
  principal: Principal,
  query: PageQuery,
): Promise<z.infer<typeof conversationListSchema>> {
  const rows = await listConversationRows(ctx.db, principal.accountId, {
    after: decodeCursor(query.cursor),
    limit: query.limit + 1,
  });
  const now = new Date();
  const { items, next_cursor } = paged(
    rows,
    query.limit,
    (row) => presentConversation(row, now),
    (row) => ({ at: row.last_activity_at, id: row.id }),
  );
  return { conversations: items, next_cursor };
}

export async function listConversationMessages(
  ctx: ApiContext,
  principal: Principal,
  id: string,
  query: PageQuery,
): Promise<z.infer<typeof conversationMessageListSchema>> {
  const conversation = await requireConversation(ctx, principal, id);
  const rows = await listMessageRows(ctx.db, conversation, {
    after: decodeCursor(query.cursor),
    limit: query.limit + 1,
  });
  const { items, next_cursor } = paged(rows, query.limit, presentConversationMessage, (row) => row);
  return { messages: items, next_cursor };
}

/**
 * Marks the conversation's inbound messages read, then sends Meta's read receipt for the last
 * one (Meta marks the earlier ones read with it). Dak's record is changed first and kept even
 * when Meta refuses or cannot be reached: the answer says so, and calling again after a new
 * message sends a new receipt. Nothing unread: nothing is sent.
 */
export async function readConversation(
  ctx: ApiContext,
  principal: Principal,
  id: string,
): Promise<z.infer<typeof conversationReadSchema>> {
  const conversation = await requireConversation(ctx, principal, id);
  const { marked, lastInbound } = await markConversationRead(ctx.db, conversation, new Date());
  if (marked === 0 || !lastInbound)
    return { conversation_id: conversation.id, marked_read: marked, read_receipt: null };
  const outcome = await ctx.graph.markRead(
    conversation.meta_phone_number_id,
    decryptSecret(conversation.access_token_encrypted, ctx.config.encryptionKey),
    lastInbound.wamid,
  );
  const error =
    outcome.kind === 'accepted'
      ? null
      : outcome.kind === 'rejected'
        ? {
            code: outcome.error.code ?? null,
            message: outcome.error.message ?? `Meta answered HTTP ${outcome.httpStatus}`,
          }
        : { code: null, message: `Meta's answer is unknown (${outcome.reason})` };
  return {
    conversation_id: conversation.id,
    marked_read: marked,
    read_receipt: { wamid: lastInbound.wamid, sent: outcome.kind === 'accepted', error },
  };
}
