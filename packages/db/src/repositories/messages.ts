import { sql } from 'kysely';
import type { MessageError, ReportedPricing } from '@dak/core';
import type { Database } from '../database';
import type { Message, MessageToAccept, StoredMessageStatus } from '../schema/index';
import { recordAcceptedMany, recordFailedBeforeMetaMany } from './dispatch';

/**
 * How the accept statement treats the account's messaging tier (see acceptWithHold):
 * - `unlimited_only`: hold only when the account has no tier (unlimited). Lock-free; a tiered
 *   account is refused without locking anything, and the caller goes on with `within_tier`.
 * - `within_tier`: also hold for a tiered account when the request's new recipients fit what is
 *   left of its 24-hour reach. Exact only after the caller locked the wallet row in the same
 *   transaction (lockWalletForAccept) before this statement took its snapshot.
 */
export type TierCheck = 'unlimited_only' | 'within_tier';

export interface AcceptResult {
  held: boolean;
  /** The account's messaging tier; null = unlimited. */
  tier: number | null;
}

/**
 * The accept step in one statement: hold the messages' total from the account's wallet (only
 * if the available balance covers it, the wallet owes nothing and the tier check passes), and
 * only then insert the messages, their `hold` ledger entries and, for a tiered account, the
 * recipients' reach (each recipient's last send, which the tier check reads). All or nothing. One round trip, so no
 * transaction is needed around it on the unlimited path (the idempotent path still runs it
 * inside one).
 *
 * The tier check reads `recipient_reach` only when the account has a tier and the request
 * reaches someone new in the last 24 h: Postgres evaluates those sub-selects lazily, so an
 * unlimited account or a request to recipients already reached today pays for none of it.
 */
export async function acceptWithHold(
  db: Database,
  accountId: string,
  messages: MessageToAccept[],
  check: TierCheck,
): Promise<AcceptResult> {
  if (messages.length === 0) return { held: true, tier: null };
  const total = messages.reduce((sum, m) => sum + m.price_minor, 0);
  const rows = JSON.stringify(
    messages.map((m) => ({
      ...m,
      kind: m.kind ?? 'template',
      status: 'queued',
      charge_state: 'held',
      attempts: 0,
      pair_retries: 0,
      updated_at: m.queued_at,
    })),
  );
  const withinTier =
    check === 'within_tier'
      ? sql`or (select count(*) from fresh) = 0
            or (select count(*) from recipient_reach
                where account_id = ${accountId} and last_sent_at > now() - interval '24 hours')
               + (select count(*) from fresh) <= (select messaging_tier from tier)`
      : sql``;
  // Only a tiered account's reach is kept: it costs the accept a row per recipient, and an
  // unlimited account never reads it (setting a tier rebuilds it from the messages: rebuildReach).
  const reach =
    check === 'within_tier'
      ? sql`, reached as (
          -- After the wallet row's lock (hold), so an account's reach rows are written one statement at a time.
          insert into recipient_reach (account_id, recipient, last_sent_at)
          select hold.account_id, recipients.recipient, now() from recipients, hold order by recipients.recipient
          on conflict (account_id, recipient) do update set last_sent_at = excluded.last_sent_at
        )`
      : sql``;
  const result = await sql<AcceptResult>`
    with tier as (
      select messaging_tier from accounts where id = ${accountId}
    ), accepted as (
      select * from json_populate_recordset(null::messages, ${rows}::json)
    ), recipients as (
      -- Session messages answer a customer inside their window: Meta does not count them toward the tier.
      select distinct recipient from accepted where kind = 'template'
    ), fresh as (
      select r.recipient from recipients r
      where not exists (
        select 1 from recipient_reach x
        where x.account_id = ${accountId} and x.recipient = r.recipient and x.last_sent_at > now() - interval '24 hours')
    ), hold as (
      update wallets set available = available - ${total}, held = held + ${total}, updated_at = now()
      where account_id = ${accountId} and available >= ${total} and debt = 0
        and ((select messaging_tier from tier) is null ${withinTier})
      returning account_id
    ), inserted as (
      insert into messages select accepted.* from accepted, hold
    ), held as (
      insert into ledger_entries (account_id, message_id, kind, amount_minor)
      select hold.account_id, accepted.id, 'hold', accepted.price_minor from accepted, hold where accepted.price_minor > 0
    )${reach}
    select exists (select 1 from hold) as held, (select messaging_tier from tier) as tier`.execute(db);
  return result.rows[0] ?? { held: false, tier: null };
}

/** acceptWithHold checking the tier; true when held. Callers that may race on a tiered account lock first. */
export async function insertMessagesWithHold(
  db: Database,
  accountId: string,
  messages: MessageToAccept[],
): Promise<boolean> {
  return (await acceptWithHold(db, accountId, messages, 'within_tier')).held;
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
  report: Omit<StatusReport, 'id'>,
): Promise<Message | undefined> {
  return (await applyReportedStatuses(db, [{ id, ...report }]))[0];
}

/** One status report for one message, as applyReportedStatus takes it. */
export interface StatusReport {
  id: string;
  status: ReportedStatus;
  wamid: string | null;
  at: Date;
  error: MessageError | null;
  /** The pricing Meta reported on it, if any: the message keeps the latest (see applyReportedStatuses). */
  pricing?: ReportedPricing | null;
}

/**
 * A timestamp column after a series of reports, each either keeping the earliest time
 * (`least`) or filling it only when missing (`coalesce`): if the column is empty, the first
 * report fills it and the later `least`s may lower it; if not, only the `least`s may.
 */
interface FoldedTime {
  ifNull: Date | null;
  ifSet: Date | null;
}

const earliest = (a: Date | null, b: Date | null) => (a === null ? b : b === null || a <= b ? a : b);

function foldTime(ops: { least: boolean; at: Date }[]): FoldedTime {
  const leastOf = (from: number) =>
    ops.slice(from).reduce<Date | null>((min, op) => (op.least ? earliest(min, op.at) : min), null);
  return { ifNull: ops.length === 0 ? null : earliest(ops[0]!.at, leastOf(1)), ifSet: leastOf(0) };
}

/** How each report touches each timestamp: its own column, and what it implies when missing. */
function timeOps(report: StatusReport) {
  const own = TIMESTAMP_COLUMN[report.status];
  return [
    ...IMPLIED_COLUMNS[report.status].map((column) => ({ column, least: false })),
    { column: own, least: report.status !== 'sent' },
  ].map((op) => ({ ...op, at: report.at }));
}

/**
 * applyReportedStatus for a whole batch in one statement, with the outcome of applying the
 * reports one by one in the order given (several may name one message). The timestamps and
 * the wamid are folded here (foldTime; the first wamid reported); the status and the error
 * are folded in SQL, where the status order lives: the status is the highest reported if it is
 * above the message's, and the error is the last one carried by a report that raised the
 * status above every earlier report, kept only if it is above the message's status too (those
 * are exactly the reports that advance it one by one). The pricing is the last one a report
 * carried, in the order given, whatever its status (Meta sends the same on `sent` and on
 * `delivered`/`read`); a report without one keeps what the message had. Returns the messages
 * as they are after.
 */
export async function applyReportedStatuses(db: Database, reports: StatusReport[]): Promise<Message[]> {
  if (reports.length === 0) return [];
  const byMessage = new Map<string, StatusReport[]>();
  for (const report of reports) byMessage.set(report.id, [...(byMessage.get(report.id) ?? []), report]);
  const folded = [...byMessage].map(([id, list]) => {
    const ops = list.flatMap(timeOps);
    const times = Object.values(TIMESTAMP_COLUMN).flatMap((column) => {
      const { ifNull, ifSet } = foldTime(ops.filter((op) => op.column === column));
      return [
        [`${column}_if_null`, ifNull],
        [`${column}_if_set`, ifSet],
      ];
    });
    return { id, wamid: list.find((r) => r.wamid !== null)?.wamid ?? null, ...Object.fromEntries(times) };
  });
  const ordered = reports.map((r, ord) => ({
    ord,
    id: r.id,
    status: r.status,
    error: r.error,
    pricing: r.pricing ?? null,
  }));
  const time = (column: string) =>
    sql.raw(
      `${column} = case when m.${column} is null then f.${column}_if_null else least(m.${column}, f.${column}_if_set) end`,
    );
  const result = await sql<Message>`
    with report as (
      select r.*, dak_status_rank(r.status) > coalesce(max(dak_status_rank(r.status)) over (
        partition by r.id order by r.ord rows between unbounded preceding and 1 preceding), -1) as raises
      from json_to_recordset(${JSON.stringify(ordered)}::json) as r(ord int, id text, status text, error jsonb, pricing jsonb)
    ), outcome as (
      select id,
        (array_agg(status order by dak_status_rank(status) desc))[1] as status,
        (array_agg(status order by ord desc) filter (where raises and error is not null))[1] as error_status,
        (array_agg(error order by ord desc) filter (where raises and error is not null))[1] as error,
        (array_agg(pricing order by ord desc) filter (where pricing is not null))[1] as pricing
      from report group by id
    ), f as (
      select * from json_to_recordset(${JSON.stringify(folded)}::json) as f(
        id text, wamid text,
        sent_at_if_null timestamptz, sent_at_if_set timestamptz,
        delivered_at_if_null timestamptz, delivered_at_if_set timestamptz,
        read_at_if_null timestamptz, read_at_if_set timestamptz,
        failed_at_if_null timestamptz, failed_at_if_set timestamptz)
    )
    update messages m set
      status = case when dak_status_rank(m.status) < dak_status_rank(o.status) then o.status else m.status end,
      wamid = coalesce(m.wamid, f.wamid),
      ${time('sent_at')}, ${time('delivered_at')}, ${time('read_at')}, ${time('failed_at')},
      error = case when dak_status_rank(m.status) < dak_status_rank(o.error_status) then o.error else m.error end,
      meta_pricing = coalesce(o.pricing, m.meta_pricing),
      claimed_at = null,
      updated_at = ${new Date()}
    from f join outcome o on o.id = f.id
    where m.id = f.id
    returning m.*`.execute(db);
  return result.rows;
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
    .returningAll()
    .execute();
}
