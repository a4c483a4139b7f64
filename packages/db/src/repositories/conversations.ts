import { sql, type RawBuilder } from 'kysely';
import {
  conversationId,
  newId,
  type InboundContent,
  type MessageKind,
  type ReportedPricing,
  type SessionPayload,
} from '@dak/core';
import type { Database } from '../database';
import { currentNumberOf } from './contacts';
import type { Conversation, InboundMessage, Message, PhoneNumber } from '../schema/index';

/** An inbound message the applier is recording: who wrote to which of the account's numbers, and what. */
export interface NewInboundMessage {
  accountId: string;
  senderId: string;
  contactNumber: string;
  wamid: string;
  content: InboundContent;
  /** Meta's message object as it came. */
  raw: Record<string, unknown>;
  receivedAt: Date;
}

/** An outbound message Meta reported on: its conversation's activity. */
export type OutboundActivity = Pick<Message, 'account_id' | 'sender_id' | 'recipient' | 'queued_at'>;

interface Touch {
  id: string;
  account_id: string;
  sender_id: string;
  contact_number: string;
  last_inbound_at: Date | null;
  last_activity_at: Date;
}

const later = (a: Date | null, b: Date | null) => (a && b ? (a >= b ? a : b) : (a ?? b));

/**
 * Records a batch's inbound messages and the activity of its outbound ones in two statements:
 * the conversations are upserted (times only move forward, so out-of-order webhooks leave the
 * latest), then the inbound messages inserted (a redelivered wamid is kept once), each linked
 * to Dak's message it answers when that is one of the account's. Rows go in key order, so two
 * appliers lock the same conversations in one order and never deadlock.
 */
export async function recordConversationActivity(
  db: Database,
  inbound: readonly NewInboundMessage[],
  outbound: readonly OutboundActivity[],
): Promise<void> {
  const touches = new Map<string, Touch>();
  const touch = (accountId: string, senderId: string, contact: string, at: Date, isInbound: boolean) => {
    const id = conversationId(accountId, senderId, contact);
    const known = touches.get(id);
    touches.set(id, {
      id,
      account_id: accountId,
      sender_id: senderId,
      contact_number: contact,
      last_inbound_at: later(known?.last_inbound_at ?? null, isInbound ? at : null),
      last_activity_at: later(known?.last_activity_at ?? null, at)!,
    });
  };
  for (const m of inbound) touch(m.accountId, m.senderId, m.contactNumber, m.receivedAt, true);
  for (const m of outbound) touch(m.account_id, m.sender_id, m.recipient, m.queued_at, false);
  if (touches.size === 0) return;
  await db
    .insertInto('conversations')
    .values([...touches.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({
          last_inbound_at: sql`greatest(conversations.last_inbound_at, excluded.last_inbound_at)`,
          last_activity_at: sql`greatest(conversations.last_activity_at, excluded.last_activity_at)`,
        })
        // Nothing later: no new row version (a no-op update would still write one).
        .where(
          sql<boolean>`conversations.last_activity_at < excluded.last_activity_at
            or coalesce(conversations.last_inbound_at, '-infinity') < excluded.last_inbound_at`,
        ),
    )
    .execute();
  if (inbound.length === 0) return;
  const rows = [...inbound]
    .sort((a, b) => (a.senderId + a.wamid < b.senderId + b.wamid ? -1 : 1))
    .map((m) => ({
      id: newId('im'),
      account_id: m.accountId,
      sender_id: m.senderId,
      conversation_id: conversationId(m.accountId, m.senderId, m.contactNumber),
      contact_number: m.contactNumber,
      wamid: m.wamid,
      type: m.content.type,
      text: m.content.text,
      media_id: m.content.media?.id ?? null,
      media_mime_type: m.content.media?.mimeType ?? null,
      media_sha256: m.content.media?.sha256 ?? null,
      context_wamid: m.content.contextWamid,
      context_message_id: m.content.contextWamid
        ? sql<
            string | null
          >`(select id from messages where wamid = ${m.content.contextWamid} and account_id = ${m.accountId})`
        : null,
      content: JSON.stringify(m.raw),
      received_at: m.receivedAt,
    }));
  await db
    .insertInto('inbound_messages')
    .values(rows)
    .onConflict((oc) => oc.columns(['sender_id', 'wamid']).doNothing())
    .execute();
}

/** conversationId (@dak/core) in SQL, for ids a statement derives from its rows. */
const conversationIdOf = (account: RawBuilder<unknown>, sender: RawBuilder<unknown>, contact: RawBuilder<unknown>) =>
  sql<string>`'cnv_' || left(encode(sha256(convert_to(${account} || chr(31) || ${sender} || chr(31) || ${contact}, 'UTF8')), 'hex'), 26)`;

/**
 * A customer first seen by user id (their number hidden) and later with their number has two
 * conversations with a business number: the earlier one under the user id, and the one under
 * their number (their current one, should they have changed it), where everything goes once the
 * number is known. They are one thread: the conversation under the number lists, counts and
 * marks read the earlier one's messages too, and the list shows it alone. This joins the earlier
 * conversation `a` of conversation `c`, whose contact is `ct`.
 */
const earlierThread = sql`left join conversations a on ct.user_id <> c.contact_number
  and c.contact_number = ${currentNumberOf(sql.ref('c.account_id'), sql.ref('ct.user_id'))}
  and a.id = ${conversationIdOf(sql.ref('c.account_id'), sql.ref('c.sender_id'), sql.ref('ct.user_id'))}`;

/** Conversation `c` is an earlier thread shown within the conversation under the customer's current number. */
const isEarlierThread = sql<boolean>`exists (select 1 from conversations n where n.id =
  ${conversationIdOf(sql.ref('c.account_id'), sql.ref('c.sender_id'), currentNumberOf(sql.ref('c.account_id'), sql.ref('c.contact_number')))})`;

/** A conversation as one thread: its own id and contact, and those of its earlier thread, if any. */
export interface ConversationThread extends Pick<Conversation, 'id' | 'sender_id' | 'contact_number'> {
  earlier_id: string | null;
  earlier_contact_number: string | null;
}

const threadIds = (t: ConversationThread) => [t.id, ...(t.earlier_id ? [t.earlier_id] : [])];
const threadAddresses = (t: ConversationThread) => [
  t.contact_number,
  ...(t.earlier_contact_number ? [t.earlier_contact_number] : []),
];

/** The account's conversation with its business number's Meta id and sealed access token (for read receipts), and its earlier thread. */
export async function findConversation(db: Database, accountId: string, id: string) {
  const { rows } = await sql<
    Conversation & ConversationThread & Pick<PhoneNumber, 'meta_phone_number_id' | 'access_token_encrypted'>
  >`select c.*, p.meta_phone_number_id, p.access_token_encrypted,
      a.id as earlier_id, a.contact_number as earlier_contact_number
    from conversations c
    join phone_numbers p on p.id = c.sender_id
    left join contacts ct on ct.account_id = c.account_id and ct.number = c.contact_number
    ${earlierThread}
    where c.account_id = ${accountId} and c.id = ${id}`.execute(db);
  return rows[0];
}

/** A page position: the (time, id) of the last row of the previous page. */
export interface PagePosition {
  at: Date;
  id: string;
}

/** A conversation as GET /conversations shows it: its last message in each direction and its unread count. */
export interface ConversationSummary extends Conversation {
  /** Meta's id of the business number. */
  meta_phone_number_id: string;
  contact_id: string | null;
  profile_name: string | null;
  contact_user_id: string | null;
  unread: number;
  last_inbound: { id: string; wamid: string; type: string; text: string | null; received_at: Date } | null;
  last_outbound: {
    id: string;
    wamid: string | null;
    template_name: string;
    kind: MessageKind;
    session: SessionPayload | null;
    status: string;
    queued_at: Date;
  } | null;
  /** The latest free-entry-point `conversation` Meta reported on the conversation's messages. */
  entry_point: NonNullable<ReportedPricing['conversation']> | null;
}

/**
 * A page of the account's conversations, latest activity first. Each row's last messages,
 * unread count and free-entry window are read through the conversation's indexes (at most a
 * page's worth of small lookups).
 */
export async function listConversations(
  db: Database,
  accountId: string,
  page: { after?: PagePosition | undefined; limit: number },
): Promise<ConversationSummary[]> {
  const after = page.after ? sql`and (c.last_activity_at, c.id) < (${page.after.at}, ${page.after.id})` : sql``;
  // Each lookup runs once per conversation of the thread (`c`, and `a` when there is one), so it
  // stays a probe of the conversation's index.
  const latest = (columns: RawBuilder<unknown>, from: (c: string) => RawBuilder<unknown>, order: RawBuilder<unknown>) =>
    sql`select ${columns} from (
      (select * from ${from('c')} order by ${order} limit 1)
      union all (select * from ${from('a')} order by ${order} limit 1)
      order by ${order} limit 1) x`;
  const inbound = (c: string) =>
    sql`(select id, wamid, type, text, received_at from inbound_messages where conversation_id = ${sql.ref(`${c}.id`)}) i`;
  const outbound = (c: string) =>
    sql`(select id, wamid, template_name, kind, session, status, queued_at from messages
      where sender_id = c.sender_id and recipient = ${sql.ref(`${c}.contact_number`)}) o`;
  const entryPoints = (c: string) =>
    sql`(select id, queued_at, meta_pricing -> 'conversation' as entry from messages
      where sender_id = c.sender_id and recipient = ${sql.ref(`${c}.contact_number`)} and meta_pricing ? 'conversation') e`;
  const unread = (c: string) =>
    sql`(select count(*)::int from inbound_messages u where u.conversation_id = ${sql.ref(`${c}.id`)} and u.read_at is null)`;
  const { rows } = await sql<ConversationSummary>`
    select c.id, c.account_id, c.sender_id, c.contact_number, c.last_activity_at, c.created_at,
      greatest(c.last_inbound_at, a.last_inbound_at) as last_inbound_at,
      p.meta_phone_number_id, ct.id as contact_id, ct.profile_name, ct.user_id as contact_user_id,
      ${unread('c')} + ${unread('a')} as unread,
      (${latest(sql`to_jsonb(x)`, inbound, sql`received_at desc, id desc`)}) as last_inbound,
      (${latest(sql`to_jsonb(x)`, outbound, sql`queued_at desc, id desc`)}) as last_outbound,
      (${latest(sql`entry`, entryPoints, sql`queued_at desc, id desc`)}) as entry_point
    from conversations c
    join phone_numbers p on p.id = c.sender_id
    left join contacts ct on ct.account_id = c.account_id and ct.number = c.contact_number
    ${earlierThread}
    where c.account_id = ${accountId} ${after} and not ${isEarlierThread}
    order by c.last_activity_at desc, c.id desc
    limit ${page.limit}`.execute(db);
  // to_jsonb turns times into strings; the callers get Dates like every other column.
  return rows.map((row) => ({
    ...row,
    last_inbound: row.last_inbound && { ...row.last_inbound, received_at: new Date(row.last_inbound.received_at) },
    last_outbound: row.last_outbound && { ...row.last_outbound, queued_at: new Date(row.last_outbound.queued_at) },
  }));
}

/** One message of a conversation, either direction. */
export type ConversationMessage =
  | (Pick<
      InboundMessage,
      | 'id'
      | 'wamid'
      | 'type'
      | 'text'
      | 'media_id'
      | 'media_mime_type'
      | 'media_sha256'
      | 'context_wamid'
      | 'context_message_id'
      | 'content'
      | 'read_at'
    > & { direction: 'inbound'; at: Date })
  | (Pick<
      Message,
      | 'id'
      | 'wamid'
      | 'status'
      | 'template_name'
      | 'template_language'
      | 'template_category'
      | 'kind'
      | 'session'
      | 'sent_at'
      | 'delivered_at'
      | 'read_at'
      | 'failed_at'
    > & { direction: 'outbound'; at: Date });

/** A page of a conversation's messages in both directions, its earlier thread's too, newest first (an inbound one by when it was sent, see inboundTime in @dak/core; an outbound one by when Dak accepted it). */
export async function listConversationMessages(
  db: Database,
  conversation: ConversationThread,
  page: { after?: PagePosition | undefined; limit: number },
): Promise<ConversationMessage[]> {
  const before = (at: string, id: string) =>
    page.after ? sql`and (${sql.ref(at)}, ${sql.ref(id)}) < (${page.after.at}, ${page.after.id})` : sql``;
  // One index range per conversation id and per address, each read no further than a page.
  const inbound = threadIds(conversation).map(
    (id) => sql`(select 'inbound' as direction, i.id, i.received_at as at, to_jsonb(i) as row from inbound_messages i
      where i.conversation_id = ${id} ${before('i.received_at', 'i.id')}
      order by i.received_at desc, i.id desc limit ${page.limit})`,
  );
  const outbound = threadAddresses(conversation).map(
    (address) => sql`(select 'outbound', m.id, m.queued_at, jsonb_build_object(
        'wamid', m.wamid, 'status', m.status, 'template_name', m.template_name,
        'template_language', m.template_language, 'template_category', m.template_category, 'kind', m.kind, 'session', m.session,
        'sent_at', m.sent_at, 'delivered_at', m.delivered_at, 'read_at', m.read_at, 'failed_at', m.failed_at)
      from messages m
      where m.sender_id = ${conversation.sender_id} and m.recipient = ${address}
        ${before('m.queued_at', 'm.id')}
      order by m.queued_at desc, m.id desc limit ${page.limit})`,
  );
  const { rows } = await sql<{ direction: 'inbound' | 'outbound'; id: string; at: Date; row: Record<string, unknown> }>`
    ${sql.join([...inbound, ...outbound], sql` union all `)}
    order by at desc, id desc
    limit ${page.limit}`.execute(db);
  const date = (value: unknown) => (typeof value === 'string' ? new Date(value) : null);
  return rows.map(({ direction, id, at, row }): ConversationMessage => {
    if (direction === 'inbound') {
      // to_jsonb gave the inbound row's columns as they are, its times as strings.
      const inbound = row as Omit<Extract<ConversationMessage, { direction: 'inbound' }>, 'read_at'>;
      return { ...inbound, direction, id, at, read_at: date(row.read_at) };
    }
    return {
      direction,
      id,
      at,
      wamid: row.wamid as string | null,
      status: row.status as Message['status'],
      template_name: row.template_name as string,
      template_language: row.template_language as string,
      template_category: row.template_category as string,
      kind: row.kind as MessageKind,
      session: row.session as SessionPayload | null,
      sent_at: date(row.sent_at),
      delivered_at: date(row.delivered_at),
      read_at: date(row.read_at),
      failed_at: date(row.failed_at),
    };
  });
}

/**
 * Marks a conversation's unread inbound messages read at `at`, its earlier thread's too; answers
 * how many it marked and the latest inbound message (whose wamid Meta's read receipt names),
 * read or not.
 */
export async function markConversationRead(
  db: Database,
  conversation: ConversationThread,
  at: Date,
): Promise<{ marked: number; lastInbound: { wamid: string } | undefined }> {
  const ids = threadIds(conversation);
  const marked = await db
    .updateTable('inbound_messages')
    .set({ read_at: at })
    .where('conversation_id', 'in', ids)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  const lastInbound = await db
    .selectFrom('inbound_messages')
    .select('wamid')
    .where('conversation_id', 'in', ids)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return { marked: Number(marked.numUpdatedRows), lastInbound };
}

/**
 * When the contact last wrote to the account's number (the 24-hour window's start), under their
 * number or, before it was known, under their user id; null when never.
 */
export async function lastInboundAt(
  db: Database,
  accountId: string,
  senderId: string,
  contactNumber: string,
): Promise<Date | null> {
  const account = sql`${accountId}::text`;
  const { rows } = await sql<{ at: Date | null }>`
    select max(last_inbound_at) as at from conversations
    where account_id = ${accountId} and (id = ${conversationId(accountId, senderId, contactNumber)}
      or id = (select ${conversationIdOf(account, sql`${senderId}::text`, sql.ref('k.user_id'))} from contacts k
        where k.account_id = ${accountId} and k.number = ${contactNumber} and k.user_id <> k.number
          and k.number = ${currentNumberOf(account, sql.ref('k.user_id'))}))`.execute(db);
  return rows[0]?.at ?? null;
}

/**
 * The wamid of one of the account's messages on one number, named by Dak's id (`msg_…` sent,
 * `im_…` received); undefined when there is none, or it has no wamid yet.
 */
export async function wamidOfMessage(
  db: Database,
  accountId: string,
  senderId: string,
  id: string,
): Promise<string | undefined> {
  const table = id.startsWith('im_') ? 'inbound_messages' : 'messages';
  const row = await db
    .selectFrom(table)
    .select('wamid')
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .where('sender_id', '=', senderId)
    .executeTakeFirst();
  return row?.wamid ?? undefined;
}

/** The number of the account a customer's media came to, if a customer of the account sent it. */
export async function inboundMediaSender(
  db: Database,
  accountId: string,
  mediaId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('inbound_messages')
    .select('sender_id')
    .where('account_id', '=', accountId)
    .where('media_id', '=', mediaId)
    .limit(1)
    .executeTakeFirst();
  return row?.sender_id;
}
