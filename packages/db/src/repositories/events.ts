import { sql } from 'kysely';
import type { Database } from '../database';
import type { MessageEvent, NewMessageEvent } from '../schema/index';

/** Stores webhook events raw; a duplicate delivery (same dedupe key) is ignored. Returns how many were new. */
export async function insertEvents(db: Database, events: NewMessageEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const inserted = await db
    .insertInto('message_events')
    .values(events)
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('id')
    .execute();
  return inserted.length;
}

/**
 * Takes a batch of unapplied events for the applier, oldest first, skipping rows another
 * applier holds. A status event waits until its message is known (by Dak id or wamid) — a
 * matter of seconds when Meta's status overtakes the worker's record of the wamid. One whose
 * message is still unknown after a day (a message sent from outside Dak, say) is taken anyway,
 * applies to nothing and is closed, so such events never pile up in the applier's way.
 * Run inside a transaction: the rows stay locked until it commits.
 */
export async function lockApplicableEvents(db: Database, limit: number): Promise<MessageEvent[]> {
  return db
    .selectFrom('message_events as e')
    .selectAll('e')
    .where('e.applied_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('e.kind', '!=', 'status'),
        eb('e.received_at', '<', sql<Date>`now() - interval '1 day'`),
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

export async function markEventsApplied(db: Database, ids: number[], now = new Date()): Promise<void> {
  if (ids.length > 0) await db.updateTable('message_events').set({ applied_at: now }).where('id', 'in', ids).execute();
}


/** Locks, in id order, every message the events refer to (by Dak id or wamid). */
export async function lockMessagesOf(db: Database, events: MessageEvent[]): Promise<void> {
  const ids = events.flatMap((e) => (e.message_id ? [e.message_id] : []));
  const wamids = events.flatMap((e) => (e.wamid && !e.message_id ? [e.wamid] : []));
  if (ids.length === 0 && wamids.length === 0) return;
  await db
    .selectFrom('messages')
    .select('id')
    .where((eb) => eb.or([...(ids.length ? [eb('id', 'in', ids)] : []), ...(wamids.length ? [eb('wamid', 'in', wamids)] : [])]))
    .orderBy('id')
    .forUpdate()
    .execute();
}
