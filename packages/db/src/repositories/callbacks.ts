import { sql } from 'kysely';
import { newId } from '@dak/core';
import type { Database } from '../database';

// Callback events and their deliveries, as the producers (the webhook applier, the worker)
// record them. Endpoints, claims and the delivery log are in callback-endpoints.ts and
// callback-deliveries.ts.

export type CallbackEventType = 'message.status' | 'message.inbound' | 'template.status' | 'wallet.low_balance';
export const CALLBACK_EVENT_TYPES: readonly CallbackEventType[] = [
  'message.status',
  'message.inbound',
  'template.status',
  'wallet.low_balance',
];

export interface NewCallbackEvent {
  accountId: string;
  type: CallbackEventType;
  /** The message it is about; with `sequence`, orders a message's events per endpoint. */
  messageId?: string | null;
  /** Increases with each event of the message; a later one waits for an earlier undelivered one. */
  sequence?: number | null;
  /** The event's `data`, as the endpoint receives it. */
  data: Record<string, unknown>;
}

// An event binds 6 array elements; Postgres takes arrays of any length as one parameter each,
// so the chunk only bounds one statement's size.
const RECORD_CHUNK = 5_000;

/**
 * In the caller's transaction: stores each event whose account has an enabled endpoint
 * subscribed to its type, one pending delivery per such endpoint. Returns the new deliveries'
 * ids, to enqueue (enqueueCallbackDeliveries) after commit; a delivery whose enqueue is lost is
 * found by the sweeper.
 *
 * First one small statement asks which (account, type) pairs any enabled endpoint wants, so
 * with no endpoints (most accounts) nothing else runs and no event body crosses the wire; the
 * wanted events then go in one INSERT…SELECT that fans them out to their endpoints.
 */
export async function recordCallbackEvents(
  db: Database,
  events: NewCallbackEvent[],
  now: Date = new Date(),
): Promise<string[]> {
  if (events.length === 0) return [];
  const accounts = [...new Set(events.map((e) => e.accountId))];
  const subscriptions = await sql<{ account_id: string; type: string }>`
    select distinct account_id, unnest(events) as type from callback_endpoints
    where enabled and account_id = any(${accounts}::text[])`.execute(db);
  if (subscriptions.rows.length === 0) return [];
  const wanted = new Set(subscriptions.rows.map((s) => `${s.account_id}\n${s.type}`));
  const kept = events.filter((e) => wanted.has(`${e.accountId}\n${e.type}`));
  const ids: string[] = [];
  for (let i = 0; i < kept.length; i += RECORD_CHUNK) {
    ids.push(...(await insertEventsAndDeliveries(db, kept.slice(i, i + RECORD_CHUNK), now)));
  }
  return ids;
}

async function insertEventsAndDeliveries(db: Database, events: NewCallbackEvent[], now: Date): Promise<string[]> {
  const stamp = now.getTime();
  const result = await sql<{ id: number }>`
    with input as (
      select * from unnest(
        ${events.map(() => newId('evt', stamp))}::text[],
        ${events.map((e) => e.accountId)}::text[],
        ${events.map((e) => e.type)}::text[],
        ${events.map((e) => e.messageId ?? null)}::text[],
        ${events.map((e) => e.sequence ?? null)}::int[],
        ${events.map((e) => JSON.stringify(e.data))}::jsonb[]
      ) with ordinality as i(id, account_id, type, message_id, sequence, data, n)
    ), fanned as (
      select i.*, e.id as endpoint_id from input i
      join callback_endpoints e on e.account_id = i.account_id and e.enabled and i.type = any(e.events)
    ), stored as (
      insert into callback_events (id, account_id, type, message_id, sequence, data, created_at)
      select i.id, i.account_id, i.type, i.message_id, i.sequence, i.data, ${now} from input i
      where exists (select 1 from fanned f where f.id = i.id)
      returning id
    )
    insert into callback_deliveries (endpoint_id, event_id, message_id, sequence, status, next_attempt_at, created_at)
    select f.endpoint_id, f.id, f.message_id, f.sequence, 'pending', ${now}, ${now}
    from fanned f join stored s on s.id = f.id
    order by f.n, f.endpoint_id
    returning id`.execute(db);
  return result.rows.map((r) => String(r.id));
}
