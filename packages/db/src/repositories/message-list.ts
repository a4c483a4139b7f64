import { sql } from 'kysely';
import type { MessageStatus } from '@dak/core';
import type { Database } from '../database';
import type { Message } from '../schema/index';

export interface MessageListFilter {
  status?: MessageStatus;
  recipient?: string;
  batchId?: string;
  clientReference?: string;
  /** queued_at bounds: since inclusive, until exclusive. */
  since?: Date;
  until?: Date;
  /** Id range the time bounds imply (ids sort by creation time); keeps the scan a range. */
  idFrom?: string;
  idBefore?: string;
  /** The page cursor: only ids below it. */
  after?: string;
  limit: number;
}

/** The columns a message's answer shows (presentMessage): the list reads only these. */
export const LISTED_MESSAGE_COLUMNS = [
  'id',
  'wamid',
  'status',
  'recipient',
  'template_id',
  'template_name',
  'kind',
  'session',
  'client_reference',
  'batch_id',
  'queued_at',
  'sent_at',
  'delivered_at',
  'read_at',
  'failed_at',
  'expires_at',
  'error',
  'price_minor',
  'currency',
  'charge_state',
  'meta_pricing',
] as const;
export type ListedMessage = Pick<Message, (typeof LISTED_MESSAGE_COLUMNS)[number]>;

/**
 * A page of the account's messages, newest first. Every filter is an equality after the
 * account, so each has an index (account_id, <filter>, id) that Postgres walks backwards from
 * the cursor and stops after `limit` rows (see the 2026-12-01T0640 migration for the indexes
 * and the report for their plans). The status filter compares the public status through the
 * same function the index is built on.
 */
export async function listMessages(db: Database, accountId: string, filter: MessageListFilter) {
  let query = db.selectFrom('messages').select(LISTED_MESSAGE_COLUMNS).where('account_id', '=', accountId);
  if (filter.status) query = query.where(sql<string>`dak_public_status(status)`, '=', filter.status);
  if (filter.recipient) query = query.where('recipient', '=', filter.recipient);
  if (filter.batchId) query = query.where('batch_id', '=', filter.batchId);
  if (filter.clientReference) query = query.where('client_reference', '=', filter.clientReference);
  if (filter.since) query = query.where('queued_at', '>=', filter.since);
  if (filter.until) query = query.where('queued_at', '<', filter.until);
  if (filter.idFrom) query = query.where('id', '>=', filter.idFrom);
  if (filter.idBefore) query = query.where('id', '<', filter.idBefore);
  if (filter.after) query = query.where('id', '<', filter.after);
  return query.orderBy('id', 'desc').limit(filter.limit).execute();
}
