import { sql } from 'kysely';
import type { Database } from '../database';

/**
 * Deletes up to `limit` of the customers' messages sent before `before`, oldest first; answers
 * how many went and the conversations they were in (for deleteEmptyConversations). Rows being
 * marked read right now are skipped and go in a later chunk.
 */
export async function deleteInboundMessagesBefore(
  db: Database,
  before: Date,
  limit: number,
): Promise<{ deleted: number; conversationIds: string[] }> {
  const { rows } = await sql<{ conversation_id: string }>`
    delete from inbound_messages where id in (
      select id from inbound_messages where received_at < ${before}
      order by received_at limit ${limit} for update skip locked
    ) returning conversation_id`.execute(db);
  return { deleted: rows.length, conversationIds: [...new Set(rows.map((r) => r.conversation_id))] };
}

/**
 * Of `ids`, deletes the conversations with no message left in either direction and no
 * activity since `before`. The 24-hour window runs from last_inbound_at, which is at most
 * last_activity_at, so a conversation deleted here had its window closed long ago; its unread
 * count came from its messages, all gone. One the webhook applier is recording activity on
 * right now is locked and skipped (that activity is new, or its message as old as the rest).
 */
export async function deleteEmptyConversations(db: Database, ids: readonly string[], before: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await sql`
    delete from conversations where id in (
      select c.id from conversations c
      where c.id = any(${[...ids]}::text[]) and c.last_activity_at < ${before}
        and not exists (select 1 from inbound_messages i where i.conversation_id = c.id)
        and not exists (select 1 from messages m where m.sender_id = c.sender_id and m.recipient = c.contact_number)
      for update skip locked
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
