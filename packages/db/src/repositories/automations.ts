import { sql, type Updateable } from 'kysely';
import type { Database } from '../database';
import type {
  Automation,
  AutomationEvent,
  AutomationEventsTable,
  AutomationOutcome,
  AutomationsTable,
  NewAutomation,
  NewAutomationEvent,
} from '../schema/index';

export async function insertAutomation(db: Database, row: NewAutomation): Promise<void> {
  await db.insertInto('automations').values(row).execute();
}

/** An automation with its sender's Meta phone number id (what the API shows as phone_number_id). */
export type AutomationWithSender = Automation & { meta_phone_number_id: string };

function selectAutomations(db: Database) {
  return db
    .selectFrom('automations')
    .innerJoin('phone_numbers', 'phone_numbers.id', 'automations.sender_id')
    .selectAll('automations')
    .select('phone_numbers.meta_phone_number_id');
}

/** The account's automation; another account's is not found. */
export async function findAutomation(
  db: Database,
  accountId: string,
  id: string,
): Promise<AutomationWithSender | undefined> {
  return selectAutomations(db)
    .where('automations.account_id', '=', accountId)
    .where('automations.id', '=', id)
    .executeTakeFirst();
}

/** For the hook, which knows only the id from its URL (the token then proves the caller). */
export async function findAutomationById(db: Database, id: string): Promise<AutomationWithSender | undefined> {
  return selectAutomations(db).where('automations.id', '=', id).executeTakeFirst();
}

export async function listAutomations(db: Database, accountId: string): Promise<AutomationWithSender[]> {
  return selectAutomations(db).where('automations.account_id', '=', accountId).orderBy('automations.id').execute();
}

export async function updateAutomation(
  db: Database,
  accountId: string,
  id: string,
  changes: Updateable<AutomationsTable>,
  now = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable('automations')
    .set({ ...changes, updated_at: now })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Deletes the automation and its events; false when the account has no such automation. */
export async function deleteAutomation(db: Database, accountId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('automations')
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function insertAutomationEvent(db: Database, row: NewAutomationEvent): Promise<AutomationEvent> {
  return db.insertInto('automation_events').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findAutomationEvent(db: Database, id: string): Promise<AutomationEvent | undefined> {
  return db.selectFrom('automation_events').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The event that already made a message of this dedupe value, if any. */
export async function findSentAutomationEvent(
  db: Database,
  automationId: string,
  dedupeValue: string,
): Promise<Pick<AutomationEvent, 'id' | 'message_id'> | undefined> {
  return db
    .selectFrom('automation_events')
    .select(['id', 'message_id'])
    .where('automation_id', '=', automationId)
    .where('dedupe_value', '=', dedupeValue)
    .where('outcome', '=', 'sent')
    .executeTakeFirst();
}

/** Postgres' unique violation on the dedupe index: the dedupe value already made a message. */
export function isDuplicateSend(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'automation_events_dedupe_idx';
}

/** Settles a pending event; false when it was settled already (another evaluation got there first). */
async function settlePending(
  db: Database,
  id: string,
  settled: Updateable<AutomationEventsTable> & { outcome: Exclude<AutomationOutcome, 'pending'> },
): Promise<boolean> {
  const result = await db
    .updateTable('automation_events')
    .set(settled)
    .where('id', '=', id)
    .where('outcome', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Runs inside the accept transaction: the event becomes `sent` with its message, or (a
 * concurrent evaluation of the same event got there first) nothing changes and the caller
 * rolls back. A unique violation (isDuplicateSend) means another event of the same dedupe value
 * made its message first.
 */
export async function markAutomationEventSent(
  db: Database,
  id: string,
  sent: { dedupe_value: string; message_id: string },
  now = new Date(),
): Promise<boolean> {
  return settlePending(db, id, { ...sent, outcome: 'sent', reason: null, reason_message: null, evaluated_at: now });
}

/** Records why a pending event made no message; false when it was already closed. */
export async function closeAutomationEvent(
  db: Database,
  id: string,
  close: {
    outcome: Exclude<AutomationOutcome, 'pending' | 'sent'>;
    reason: string;
    reason_message: string;
    dedupe_value?: string | null;
  },
  now = new Date(),
): Promise<boolean> {
  return settlePending(db, id, { ...close, evaluated_at: now });
}

/** A page of one automation's events, newest first; `before` is the last id of the previous page. */
export async function listAutomationEvents(
  db: Database,
  automationId: string,
  page: { before?: string | undefined; limit: number },
): Promise<AutomationEvent[]> {
  let query = db.selectFrom('automation_events').selectAll().where('automation_id', '=', automationId);
  if (page.before) query = query.where('id', '<', page.before);
  return query.orderBy('id', 'desc').limit(page.limit).execute();
}

/**
 * Claims pending events no one is evaluating: received (or last claimed) before `staleBefore`.
 * Each claim counts an attempt and moves `claimed_at`, so another process skips the rows for
 * the same interval (SKIP LOCKED keeps two claims from waiting on each other).
 */
export async function claimStalePendingEvents(
  db: Database,
  staleBefore: Date,
  limit: number,
  now = new Date(),
): Promise<AutomationEvent[]> {
  const { rows } = await sql<AutomationEvent>`
    update automation_events set attempts = attempts + 1, claimed_at = ${now}
    where id in (
      select id from automation_events
      where outcome = 'pending' and received_at < ${staleBefore}
        and (claimed_at is null or claimed_at < ${staleBefore})
      order by received_at
      limit ${limit}
      for update skip locked
    )
    returning *`.execute(db);
  return rows;
}

// Retention. An event carries personal data (a customer's name, phone and address), so it goes
// after EVENT_RETENTION_DAYS; one that made a message keeps its dedupe value and message id
// (without payload or headers), so the order still sends once however late it is redelivered.
// Both scans walk automation_events_retention_idx, whose predicate they repeat.

/** Deletes up to `limit` events that made no message (skipped, failed, invalid) received before `cutoff`. */
export async function deleteUnsentAutomationEventsBefore(db: Database, cutoff: Date, limit: number): Promise<number> {
  const result = await sql`
    delete from automation_events where id in (
      select id from automation_events
      where (outcome <> 'sent' or payload is not null) and received_at < ${cutoff}
        and outcome in ('skipped', 'failed', 'invalid')
      order by received_at limit ${limit}
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** Empties the payload and headers of up to `limit` sent events received before `cutoff`. */
export async function scrubSentAutomationEventsBefore(db: Database, cutoff: Date, limit: number): Promise<number> {
  const result = await sql`
    update automation_events set payload = null, headers = '{}'::jsonb where id in (
      select id from automation_events
      where (outcome <> 'sent' or payload is not null) and received_at < ${cutoff}
        and outcome = 'sent'
      order by received_at limit ${limit}
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
