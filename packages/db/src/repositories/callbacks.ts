import { sql } from 'kysely';
import { newId } from '@dak/core';
import type { ChangeFeed } from '../change-feed';
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
 * First it asks which types the events' accounts want (one small statement, or none when the
 * producer keeps `subscriptions` and knows), so with no endpoints (most
 * accounts) nothing else runs and no event body crosses the wire; the wanted events then go in
 * one INSERT…SELECT that fans them out to their endpoints.
 */
export async function recordCallbackEvents(
  db: Database,
  events: NewCallbackEvent[],
  now: Date = new Date(),
  subscriptions?: CallbackSubscriptions,
): Promise<string[]> {
  if (events.length === 0) return [];
  const wanted = await (subscriptions ?? new CallbackSubscriptions()).wanted(
    db,
    events.map((e) => e.accountId),
  );
  const kept = events.filter((e) => wanted.get(e.accountId)?.has(e.type));
  const ids: string[] = [];
  for (let i = 0; i < kept.length; i += RECORD_CHUNK) {
    ids.push(...(await insertEventsAndDeliveries(db, kept.slice(i, i + RECORD_CHUNK), now)));
  }
  return ids;
}

/**
 * The event types enabled endpoints want, per account, remembered: producers ask for every
 * batch they write, and most accounts have no endpoint, so memory spares them a query per batch
 * (and the worker a transaction per send job). An account's answer is dropped the moment the
 * change feed announces a change to its endpoints (at the writer's commit), so a new endpoint
 * hears the next event; the TTL is a backstop. Without a feed nothing is remembered.
 */
export class CallbackSubscriptions {
  private readonly entries = new Map<string, { types: Promise<Set<string>>; expires: number }>();
  private readonly ttlMs: number;

  constructor(feed?: ChangeFeed, ttlMs = 60_000) {
    this.ttlMs = feed ? ttlMs : 0;
    feed?.subscribe((change) => {
      if (change === 'reset') this.entries.clear();
      else if (change.table === 'callback_endpoints') this.entries.delete(change.accountId);
    });
  }

  async wanted(db: Database, accountIds: Iterable<string>): Promise<Map<string, Set<string>>> {
    const now = Date.now();
    const unique = [...new Set(accountIds)];
    const known = new Map<string, Promise<Set<string>>>();
    for (const id of unique) {
      const entry = this.entries.get(id);
      if (entry && entry.expires > now) known.set(id, entry.types);
    }
    const missing = unique.filter((id) => !known.has(id));
    if (missing.length > 0) {
      // One query for every account not known; concurrent batches share what is loading.
      const loaded = this.load(db, missing);
      for (const id of missing) {
        const types = loaded.then((byAccount) => byAccount.get(id) ?? new Set<string>());
        known.set(id, types);
        if (this.ttlMs <= 0) continue;
        const entry = { types, expires: now + this.ttlMs };
        this.entries.set(id, entry);
        // A failed read is not kept: the next batch asks again.
        types.catch(() => this.entries.get(id) === entry && this.entries.delete(id));
      }
    }
    return new Map(await Promise.all(unique.map(async (id) => [id, await known.get(id)!] as const)));
  }

  private async load(db: Database, accountIds: string[]): Promise<Map<string, Set<string>>> {
    const { rows } = await sql<{ account_id: string; type: string }>`
      select distinct account_id, unnest(events) as type from callback_endpoints
      where enabled and account_id = any(${accountIds}::text[])`.execute(db);
    const byAccount = new Map<string, Set<string>>();
    for (const row of rows) byAccount.set(row.account_id, (byAccount.get(row.account_id) ?? new Set()).add(row.type));
    return byAccount;
  }
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
