import { sql } from 'kysely';
import type { MessageError } from '@dak/core';
import type { Database } from '../database';
import type { Message, MessageToAccept, StoredMessageStatus } from '../schema/index';
import { recordAcceptedMany, recordFailedBeforeMetaMany } from './dispatch';

/**
 * The accept step in one statement: hold the messages' total from the account's wallet (only
 * if the available balance covers it and the wallet owes nothing), and only then insert the messages and their `hold`
 * ledger entries. All or nothing; returns false when the balance is short or in debt. One round trip, so
 * no transaction is needed around it (the idempotent path still runs it inside one).
 */
export async function insertMessagesWithHold(
  db: Database,
  accountId: string,
  messages: MessageToAccept[],
): Promise<boolean> {
  if (messages.length === 0) return true;
  const total = messages.reduce((sum, m) => sum + m.price_minor, 0);
  const rows = JSON.stringify(
    messages.map((m) => ({
      ...m,
      status: 'queued',
      charge_state: 'held',
      attempts: 0,
      pair_retries: 0,
      updated_at: m.queued_at,
    })),
  );
  const result = await sql<{ held: number }>`
    with hold as (
      update wallets set available = available - ${total}, held = held + ${total}, updated_at = now()
      where account_id = ${accountId} and available >= ${total} and debt = 0
      returning account_id
    ), accepted as (
      select * from json_populate_recordset(null::messages, ${rows}::json)
    ), inserted as (
      insert into messages select accepted.* from accepted, hold
    ), held as (
      insert into ledger_entries (account_id, message_id, kind, amount_minor)
      select hold.account_id, accepted.id, 'hold', accepted.price_minor from accepted, hold where accepted.price_minor > 0
    )
    select count(*)::int as held from hold`.execute(db);
  return (result.rows[0]?.held ?? 0) > 0;
}

/** A message of this account, by Dak id or by wamid. */
export async function findMessage(db: Database, accountId: string, idOrWamid: string): Promise<Message | undefined> {
  return db
    .selectFrom('messages')
    .selectAll()
    .where('account_id', '=', accountId)
    .where((eb) => (idOrWamid.startsWith('msg_') ? eb('id', '=', idOrWamid) : eb('wamid', '=', idOrWamid)))
    .executeTakeFirst();
}

/** One message taken to be sent, as a dispatch job takes its set (claimForSending), for any number. */
export async function claimMessage(db: Database, id: string, now = new Date()): Promise<Message | undefined> {
  return db
    .updateTable('messages')
    .set({ status: 'sending', claimed_at: now, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .returningAll()
    .executeTakeFirst();
}

/** recordAcceptedMany for one message. */
export async function recordAccepted(db: Database, id: string, wamid: string, now = new Date()) {
  return (await recordAcceptedMany(db, [{ id, wamid }], now))[0];
}

/** recordFailedBeforeMetaMany for one message. */
export async function recordFailedBeforeMeta(
  db: Database,
  id: string,
  error: MessageError,
  fromStatuses: StoredMessageStatus[],
  now = new Date(),
) {
  return (await recordFailedBeforeMetaMany(db, [{ id, error }], fromStatuses, now))[0];
}

const TIMESTAMP_COLUMN = { sent: 'sent_at', delivered: 'delivered_at', read: 'read_at', failed: 'failed_at' } as const;
export type ReportedStatus = keyof typeof TIMESTAMP_COLUMN;

/** What a report says happened before it: a read message was delivered, a delivered one sent. */
const IMPLIED_COLUMNS: Record<ReportedStatus, ('sent_at' | 'delivered_at')[]> = {
  sent: [],
  delivered: ['sent_at'],
  read: ['sent_at', 'delivered_at'],
  failed: [],
};

/**
 * Applies a status reported by Meta: the status only moves forward
 * (queued < sent < failed < delivered < read), the wamid is learnt if not yet known, and each
 * timestamp keeps the earliest time reported for it, whatever order the reports arrive in (sent_at
 * keeps its first value: the worker's own record of Meta's answer is the precise one). A
 * report also fills what it implies when that is still missing: a `read` that overtakes its
 * `delivered` gives the message a delivered_at at once (the late `delivered`, earlier, then wins).
 */
export async function applyReportedStatus(
  db: Database,
  id: string,
  report: { status: ReportedStatus; wamid: string | null; at: Date; error: MessageError | null },
): Promise<Message | undefined> {
  const column = TIMESTAMP_COLUMN[report.status];
  const advances = sql<boolean>`dak_status_rank(status) < dak_status_rank(${report.status})`;
  return db
    .updateTable('messages')
    .set({
      status: sql<StoredMessageStatus>`case when ${advances} then ${report.status} else status end`,
      wamid: sql<string>`coalesce(wamid, ${report.wamid})`,
      ...Object.fromEntries(
        IMPLIED_COLUMNS[report.status].map((implied) => [
          implied,
          sql<Date>`coalesce(${sql.ref(implied)}, ${report.at})`,
        ]),
      ),
      [column]:
        report.status === 'sent'
          ? sql<Date>`coalesce(sent_at, ${report.at})`
          : sql<Date>`least(${sql.ref(column)}, ${report.at})`,
      ...(report.error
        ? { error: sql<string>`case when ${advances} then ${JSON.stringify(report.error)}::jsonb else error end` }
        : {}),
      claimed_at: null,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/**
 * Rows whose worker vanished mid-send and for which Meta reported nothing within the lease.
 * "Reported" means a status webhook arrived, applied or not: an applier running behind must
 * not make the sweeper send a message Meta already took. A rejected status (another tenant's,
 * naming this message) says nothing about it, so it cannot hold a message back.
 */
export async function requeueStaleClaims(db: Database, leaseMs: number, now = new Date()) {
  return (
    db
      .updateTable('messages')
      // No longer admitted: the dispatcher takes it again at the next tick.
      .set({ status: 'queued', claimed_at: null, admitted_at: null, updated_at: now })
      .where('status', '=', 'sending')
      .where('claimed_at', '<', new Date(now.getTime() - leaseMs))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('message_events as e')
              .select('e.id')
              .whereRef('e.message_id', '=', 'messages.id')
              .where('e.rejected_reason', 'is', null),
          ),
        ),
      )
      .returning(['id', 'sender_id'])
      .execute()
  );
}

export async function expireQueued(db: Database, now = new Date()) {
  const error: MessageError = { code: 'expired', title: 'Not sent before expires_in ran out', source: 'dak' };
  return db
    .updateTable('messages')
    .set({ status: 'failed', error: JSON.stringify(error), failed_at: now, updated_at: now })
    .where('status', '=', 'queued')
    .where('expires_at', '<', now)
    .returning(['id', 'charge_state'])
    .execute();
}
