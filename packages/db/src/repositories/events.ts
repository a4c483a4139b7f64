import { sql } from 'kysely';
import type { Database } from '../database';
import type { MessageEvent, NewMessageEvent } from '../schema/index';

// An event row binds 9 parameters; 1,000 rows stay far below Postgres's 65,535 per statement.
const INSERT_CHUNK = 1_000;

/**
 * Stores webhook events raw; a duplicate delivery (same dedupe key) is ignored. Returns how many
 * were new. Meta may batch many updates in one POST, so rows go in chunks. No transaction is
 * needed around them: if one chunk fails the POST answers 500, Meta sends the whole body again,
 * and the chunks already stored are then duplicates.
 */
export async function insertEvents(db: Database, events: NewMessageEvent[]): Promise<number> {
  let stored = 0;
  for (let i = 0; i < events.length; i += INSERT_CHUNK) {
    const inserted = await db
      .insertInto('message_events')
      .values(events.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .execute();
    stored += inserted.length;
  }
  return stored;
}

/** An event as the applier takes it; `expired` when it has waited for its message for a day. */
export type PendingEvent = MessageEvent & { expired: boolean };

/**
 * Takes a batch of unapplied events for the applier, oldest first, skipping rows another
 * applier holds. A status event waits until a message it names is known (by Dak id or wamid) — a
 * matter of seconds when Meta's status overtakes the worker's record of the wamid. One whose
 * message is still unknown after a day (a message sent from outside Dak, say) is taken anyway,
 * applies to nothing and is closed, so such events never pile up in the applier's way.
 * Run inside a transaction: the rows stay locked until it commits.
 */
export async function lockApplicableEvents(db: Database, limit: number): Promise<PendingEvent[]> {
  const dayAgo = sql<Date>`now() - interval '1 day'`;
  return db
    .selectFrom('message_events as e')
    .selectAll('e')
    .select(sql<boolean>`e.received_at < ${dayAgo}`.as('expired'))
    .where('e.applied_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('e.kind', '!=', 'status'),
        eb('e.received_at', '<', dayAgo),
        eb.exists(eb.selectFrom('messages as m').select(sql.lit(1).as('one')).whereRef('m.id', '=', 'e.message_id')),
        eb.exists(eb.selectFrom('messages as m').select(sql.lit(1).as('one')).whereRef('m.wamid', '=', 'e.wamid')),
      ]),
    )
    .orderBy('e.id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** How an event was closed: filed under the envelope's account and number, applied or rejected. */
export interface EventClosing {
  id: number;
  account_id: string | null;
  sender_id: string | null;
  /** The message the event was applied to; null keeps what the callback data claimed. */
  message_id: string | null;
  rejected_reason: string | null;
}

/** Closes a batch of events in one statement; a closed event is never taken again. */
export async function closeEvents(db: Database, closings: EventClosing[], now = new Date()): Promise<void> {
  if (closings.length === 0) return;
  await sql`
    update message_events e set
      applied_at = ${now},
      account_id = c.account_id,
      sender_id = c.sender_id,
      message_id = coalesce(c.message_id, e.message_id),
      rejected_reason = c.rejected_reason
    from json_to_recordset(${JSON.stringify(closings)}::json)
      as c(id bigint, account_id text, sender_id text, message_id text, rejected_reason text)
    where e.id = c.id`.execute(db);
}

/**
 * Locks, in id order, every message the events name (by Dak id or wamid), so the checks and
 * updates that follow see them as they stay until commit.
 */
export async function lockMessagesOf(db: Database, events: MessageEvent[]): Promise<void> {
  const ids = events.flatMap((e) => (e.message_id ? [e.message_id] : []));
  const wamids = events.flatMap((e) => (e.wamid && e.kind === 'status' ? [e.wamid] : []));
  if (ids.length === 0 && wamids.length === 0) return;
  await db
    .selectFrom('messages')
    .select('id')
    .where((eb) =>
      eb.or([...(ids.length ? [eb('id', 'in', ids)] : []), ...(wamids.length ? [eb('wamid', 'in', wamids)] : [])]),
    )
    .orderBy('id')
    .forUpdate()
    .execute();
}

/**
 * The messages statuses name, by Dak id or wamid, across accounts on purpose: the applier must
 * see a message another tenant's status names in order to refuse (and flag) it. Each comes
 * with the Meta id of the number it was sent from, and its status (read under the batch's lock, so
 * the status the batch starts from).
 */
export async function findStatusCandidates(db: Database, ids: string[], wamids: string[]) {
  if (ids.length === 0 && wamids.length === 0) return [];
  return db
    .selectFrom('messages as m')
    .innerJoin('phone_numbers as pn', 'pn.id', 'm.sender_id')
    .select(['m.id', 'm.wamid', 'm.account_id', 'm.status', 'pn.meta_phone_number_id'])
    .where((eb) =>
      eb.or([...(ids.length ? [eb('m.id', 'in', ids)] : []), ...(wamids.length ? [eb('m.wamid', 'in', wamids)] : [])]),
    )
    .execute();
}

/** Rejected events first matter to the operator: newest first, `before` an event id. */
export async function listWebhookEvents(db: Database, options: { limit: number; before?: number; rejected?: boolean }) {
  let query = db
    .selectFrom('message_events')
    .select([
      'id',
      'kind',
      'status',
      'message_id',
      'wamid',
      'waba_id',
      'meta_phone_number_id',
      'account_id',
      'sender_id',
      'rejected_reason',
      'occurred_at',
      'received_at',
      'applied_at',
    ])
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  if (options.rejected === true) query = query.where('rejected_reason', 'is not', null);
  if (options.rejected === false) query = query.where('rejected_reason', 'is', null);
  return query.execute();
}

/**
 * Deletes up to `limit` closed events received before `cutoff`, oldest first; returns how many.
 * Events still waiting to be applied are kept whatever their age.
 */
export async function deleteClosedEventsBefore(db: Database, cutoff: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('message_events')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('message_events')
        .select('id')
        .where('received_at', '<', cutoff)
        .where('applied_at', 'is not', null)
        .orderBy('received_at')
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
