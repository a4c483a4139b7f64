import { sql } from 'kysely';
import type { MessageError } from '@dak/core';
import type { Database } from '../database';
import type { Message, StoredMessageStatus } from '../schema/index';

// The dispatcher's statements (apps/worker/src/dispatch): each works on a whole set of
// messages, so a dispatch job of N messages costs a few statements, not a few per message.

/**
 * The numbers that have messages waiting, by a skip scan of the dispatch index: one index probe
 * per number, however many messages wait.
 */
export async function sendersWithBacklog(db: Database): Promise<string[]> {
  const result = await sql<{ sender_id: string }>`
    with recursive senders(sender_id) as (
      (select sender_id from messages where status = 'queued' order by sender_id limit 1)
      union all
      select (select m.sender_id from messages m where m.status = 'queued' and m.sender_id > s.sender_id order by m.sender_id limit 1)
      from senders s where s.sender_id is not null
    )
    select sender_id from senders where sender_id is not null`.execute(db);
  return result.rows.map((r) => r.sender_id);
}

export interface Admitted {
  id: string;
  sender_id: string;
  lane: number;
}

/**
 * Takes up to `count` messages of each number, most urgent lane first and FIFO within a lane,
 * and marks them admitted. Skipped: messages whose `not_before` is still ahead, and messages
 * admitted less than `readmitAfterMs` ago (their dispatch job is still due; one older than that
 * was lost with Redis and is taken again), and marketing to a recipient under a marketing hold
 * (Meta's 131049: not before the hold ends). A hold taken under a customer's user id before
 * their number was known also holds marketing to that number: those holds are read once per
 * admission, through their own partial index, and joined to the contacts that carry the user id.
 * Rows another admission holds are skipped, not waited for. Returns them grouped by number, in
 * send order.
 */
export async function admitMessages(
  db: Database,
  quotas: { senderId: string; count: number }[],
  readmitAfterMs: number,
  now = new Date(),
): Promise<Admitted[]> {
  const wanted = quotas.filter((q) => q.count > 0);
  if (wanted.length === 0) return [];
  const readmitBefore = new Date(now.getTime() - readmitAfterMs);
  const result = await sql<Admitted>`
    with quota as (
      select * from unnest(${wanted.map((q) => q.senderId)}::text[], ${wanted.map((q) => q.count)}::int[]) as q(sender_id, k)
    ), held_by_user_id as materialized (
      select c.account_id, c.number from phone_numbers p
      join marketing_holds h on h.account_id = p.account_id and h.recipient like '%.%' and h.until > ${now}
      join contacts c on c.account_id = h.account_id and c.user_id = h.recipient
      where p.id in (select sender_id from quota)
    ), picked as (
      select x.id from quota q cross join lateral (
        select m.id from messages m
        where m.sender_id = q.sender_id and m.status = 'queued'
          and (m.admitted_at is null or m.admitted_at < ${readmitBefore})
          and (m.not_before is null or m.not_before <= ${now})
          and not (
            dak_lane(m.priority, m.template_category) = 2
            and (
              exists (select 1 from marketing_holds h where h.account_id = m.account_id and h.recipient = m.recipient and h.until > ${now})
              or (m.account_id, m.recipient) in (select account_id, number from held_by_user_id)
            )
          )
        order by dak_lane(m.priority, m.template_category), m.id
        limit q.k
        for update skip locked
      ) x
    )
    update messages m set admitted_at = ${now} from picked where m.id = picked.id
    returning m.id, m.sender_id, dak_lane(m.priority, m.template_category) as lane`.execute(db);
  return result.rows.sort((a, b) =>
    a.sender_id === b.sender_id ? a.lane - b.lane || (a.id < b.id ? -1 : 1) : a.sender_id < b.sender_id ? -1 : 1,
  );
}

/**
 * A dispatch job takes its messages to send them: only `queued` rows of the job's own number
 * can be claimed, so a duplicate job, a readmitted twin or a job naming another tenant's
 * messages sends nothing twice and nothing from the wrong number.
 */
export async function claimForSending(
  db: Database,
  senderId: string,
  ids: string[],
  now = new Date(),
): Promise<Message[]> {
  if (ids.length === 0) return [];
  return db
    .updateTable('messages')
    .set({ status: 'sending', claimed_at: now, updated_at: now })
    .where('id', 'in', ids)
    .where('sender_id', '=', senderId)
    .where('status', '=', 'queued')
    .returningAll()
    .execute();
}

/**
 * Meta accepted these messages. A status webhook may have arrived first and moved one on
 * already, so each status only advances and each timestamp is set once. Each row comes back
 * with the status it had before (read under the row lock the update takes anyway), so the
 * caller knows which ones this changed.
 */
export async function recordAcceptedMany(
  db: Database,
  accepted: { id: string; wamid: string }[],
  now = new Date(),
): Promise<(Message & { previous_status: StoredMessageStatus })[]> {
  if (accepted.length === 0) return [];
  const ids = accepted.map((a) => a.id);
  const result = await sql<Message & { previous_status: StoredMessageStatus }>`
    with prior as (
      select id, status from messages where id = any(${ids}::text[]) order by id for update
    )
    update messages m set
      wamid = a.wamid,
      status = case when dak_status_rank(m.status) < 1 then 'sent' else m.status end,
      sent_at = coalesce(m.sent_at, ${now}),
      claimed_at = null,
      -- A retried send's old error goes; a failure Meta already reported stays.
      error = case when dak_status_rank(m.status) < 1 then null else m.error end,
      updated_at = ${now}
    from unnest(${ids}::text[], ${accepted.map((a) => a.wamid)}::text[]) as a(id, wamid)
    join prior p on p.id = a.id
    where m.id = a.id
    returning m.*, p.status as previous_status`.execute(db);
  return result.rows;
}

export interface Release {
  id: string;
  /** When it may be admitted again; null: at once. */
  notBefore: Date | null;
  /** Why it was given back; null keeps the last recorded error. */
  error: MessageError | null;
  /** The try spent one of the retry policy's attempts. */
  spent?: boolean;
  /** Its count of refusals for its recipient (131056), when that changed. */
  pairRetries?: number;
}

/**
 * Claimed messages Meta did not take (a retryable answer), or that the worker gives back
 * before calling Meta: they go back to `queued`, to be admitted again from `notBefore`.
 */
export async function releaseClaims(db: Database, releases: Release[], now = new Date()): Promise<number> {
  if (releases.length === 0) return 0;
  const result = await sql`
    update messages m set
      status = 'queued',
      claimed_at = null,
      admitted_at = null,
      not_before = r.not_before,
      error = coalesce(r.error, m.error),
      attempts = m.attempts + r.spent,
      pair_retries = coalesce(r.pair_retries, m.pair_retries),
      updated_at = ${now}
    from unnest(
      ${releases.map((r) => r.id)}::text[],
      ${releases.map((r) => r.notBefore)}::timestamptz[],
      ${releases.map((r) => (r.error ? JSON.stringify(r.error) : null))}::jsonb[],
      ${releases.map((r) => (r.spent ? 1 : 0))}::int[],
      ${releases.map((r) => r.pairRetries ?? null)}::int[]
    ) as r(id, not_before, error, spent, pair_retries)
    where m.id = r.id and m.status = 'sending'`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** These messages end `failed` before Meta took them (refused, expired, out of retries). */
export async function recordFailedBeforeMetaMany(
  db: Database,
  failures: { id: string; error: MessageError }[],
  fromStatuses: StoredMessageStatus[],
  now = new Date(),
): Promise<Message[]> {
  if (failures.length === 0) return [];
  const result = await sql<Message>`
    update messages m set status = 'failed', error = f.error, failed_at = ${now}, claimed_at = null, updated_at = ${now}
    from unnest(${failures.map((f) => f.id)}::text[], ${failures.map((f) => JSON.stringify(f.error))}::jsonb[]) as f(id, error)
    where m.id = f.id and m.status = any(${fromStatuses}::text[])
    returning m.*`.execute(db);
  return result.rows;
}

/** Each number's messages per second, read fresh every tick so a changed rate applies within one. */
export async function ratesOf(db: Database, senderIds: string[]): Promise<Map<string, number>> {
  if (senderIds.length === 0) return new Map();
  const rows = await db.selectFrom('phone_numbers').select(['id', 'mps']).where('id', 'in', senderIds).execute();
  return new Map(rows.map((r) => [r.id, r.mps]));
}
