import { sql } from 'kysely';
import type { Database } from '../database';
import type { CallbackDeliveryStatus } from '../schema/index';

// The delivery side of callbacks (apps/worker/src/callbacks): claims, outcomes, the sweeper's
// scans, replay and retention. Each is one statement.

/** How long a blocked delivery waits for an earlier one that is being sent right now. */
const IN_FLIGHT_WAIT_MS = 500;

export interface ClaimedDelivery {
  kind: 'claimed';
  deliveryId: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
  firstAttemptAt: Date;
  endpointId: string;
  url: string;
  secretEncrypted: string;
  previousSecretEncrypted: string | null;
  previousSecretUntil: Date | null;
  messageId: string | null;
  sequence: number | null;
  event: { id: string; type: string; created_at: Date; data: Record<string, unknown> };
}

export type ClaimResult =
  | ClaimedDelivery
  /** Not due yet (its timer fired early, or a duplicate job): try again at `until`. */
  | { kind: 'early'; deliveryId: string; until: Date }
  /** An earlier event of the same message is still owed to this endpoint: try again at `until`. */
  | { kind: 'blocked'; deliveryId: string; until: Date }
  /** Its endpoint is failing and another delivery probes it: it goes when the endpoint answers again. */
  | { kind: 'held'; deliveryId: string }
  /** The endpoint is disabled: the delivery was parked as failed. */
  | { kind: 'parked'; deliveryId: string }
  /** Nothing to send: delivered, parked, being sent by another worker, or deleted. */
  | { kind: 'gone'; deliveryId: string };

/**
 * Claims pending deliveries for one attempt each, compare-and-set: only a `pending` row becomes
 * `delivering` (its attempt counted, its claim lapsing at `leaseUntil`), so two workers never
 * send the same attempt. Not claimed, and not counted: a delivery not due until after `dueBy`
 * (a timer that fired early), and one whose endpoint still owes an earlier event of the same
 * message (a lower sequence, pending or being sent; a parked earlier one does not block): that
 * one is due again when its predecessor may be done, and whoever records the predecessor hands
 * it on (recordCallbackAttempts' `nextInLine`). While an endpoint is failing, one delivery at a
 * time probes it, from its `retry_at` on; the others are held, without a timer, until a success
 * makes them all due (recordCallbackAttempts' `resumed`). A delivery of a disabled endpoint is
 * parked. One statement for the whole set, answering what
 * each attempt needs: the endpoint, its secrets and the event.
 */
export async function claimCallbackDeliveries(
  db: Database,
  deliveryIds: string[],
  leaseUntil: Date,
  now: Date = new Date(),
  dueToleranceMs = 100,
): Promise<ClaimResult[]> {
  if (deliveryIds.length === 0) return [];
  const inFlightUntil = new Date(now.getTime() + IN_FLIGHT_WAIT_MS);
  const dueBy = new Date(now.getTime() + dueToleranceMs);
  const result = await sql<{
    id: number;
    next_attempt_at: Date;
    blocked_until: Date | null;
    failing: boolean;
    parked: boolean;
    attempts: number | null;
    first_attempt_at: Date | null;
    endpoint_id: string;
    url: string;
    secret_encrypted: string;
    previous_secret_encrypted: string | null;
    previous_secret_until: Date | null;
    message_id: string | null;
    sequence: number | null;
    event_id: string;
    type: string | null;
    data: Record<string, unknown> | null;
    created_at: Date | null;
  }>`
    with d as (
      select d.id, d.status, d.endpoint_id, d.event_id, d.message_id, d.sequence, d.next_attempt_at, e.enabled,
        e.failing_since is not null as failing,
        (select min(case when o.status = 'pending' then greatest(o.next_attempt_at, ${inFlightUntil}) else ${inFlightUntil} end)
         from callback_deliveries o
         where d.message_id is not null and o.endpoint_id = d.endpoint_id and o.message_id = d.message_id
           and o.sequence < d.sequence and o.status in ('pending', 'delivering')) as blocked_until
      from callback_deliveries d join callback_endpoints e on e.id = d.endpoint_id
      where d.id = any(${deliveryIds}::bigint[]) and d.status = 'pending'
    ), ready as (
      select * from d where d.enabled and d.blocked_until is null and d.next_attempt_at <= ${dueBy}
    ), probe as (
      -- A failing endpoint gets one delivery at a time, once its retry time has come; its retry
      -- time moves to this claim's end, so no other claim probes it meanwhile.
      update callback_endpoints e set retry_at = ${leaseUntil}
      from (select distinct on (endpoint_id) endpoint_id, id from ready where failing
            order by endpoint_id, next_attempt_at, id) p
      where e.id = p.endpoint_id and e.failing_since is not null and (e.retry_at is null or e.retry_at <= ${now})
      returning p.id
    ), claimed as (
      update callback_deliveries t set
        status = 'delivering', attempts = t.attempts + 1,
        first_attempt_at = coalesce(t.first_attempt_at, ${now}), next_attempt_at = ${leaseUntil}
      from ready d where t.id = d.id and t.status = 'pending'
        and (not d.failing or d.id in (select id from probe))
      returning t.id, t.attempts, t.first_attempt_at
    ), parked as (
      update callback_deliveries t set status = 'failed', last_error = 'not sent: the endpoint is disabled'
      from d where t.id = d.id and t.status = 'pending' and not d.enabled
      returning t.id
    ), deferred as (
      -- A blocked delivery is due when its predecessor may be done: the sweeper's overdue scan
      -- (its safety net if the predecessor's worker never hands it on) counts from then.
      update callback_deliveries t set next_attempt_at = d.blocked_until
      from d where t.id = d.id and t.status = 'pending' and d.enabled and d.blocked_until > t.next_attempt_at
      returning t.id
    )
    select d.id, d.next_attempt_at, d.blocked_until, d.failing, p.id is not null as parked, c.attempts, c.first_attempt_at,
      d.endpoint_id, e.url, e.secret_encrypted, e.previous_secret_encrypted, e.previous_secret_until,
      d.message_id, d.sequence, d.event_id, ev.type, ev.data, ev.created_at
    from d
    join callback_endpoints e on e.id = d.endpoint_id
    left join claimed c on c.id = d.id
    left join parked p on p.id = d.id
    left join callback_events ev on ev.id = d.event_id and c.id is not null`.execute(db);
  const rows = new Map(result.rows.map((row) => [String(row.id), row]));
  return deliveryIds.map((deliveryId): ClaimResult => {
    const row = rows.get(deliveryId);
    if (!row) return { kind: 'gone', deliveryId };
    if (row.parked) return { kind: 'parked', deliveryId };
    if (row.attempts !== null && row.first_attempt_at !== null && row.type !== null) {
      return {
        kind: 'claimed',
        deliveryId,
        attempt: row.attempts,
        firstAttemptAt: row.first_attempt_at,
        endpointId: row.endpoint_id,
        url: row.url,
        secretEncrypted: row.secret_encrypted,
        previousSecretEncrypted: row.previous_secret_encrypted,
        previousSecretUntil: row.previous_secret_until,
        messageId: row.message_id,
        sequence: row.sequence,
        event: { id: row.event_id, type: row.type, created_at: row.created_at!, data: row.data! },
      };
    }
    if (row.next_attempt_at > dueBy) return { kind: 'early', deliveryId, until: row.next_attempt_at };
    if (row.blocked_until) return { kind: 'blocked', deliveryId, until: row.blocked_until };
    if (row.failing) return { kind: 'held', deliveryId };
    // Pending, due, unblocked and enabled, yet not claimed: another worker took it meanwhile.
    return { kind: 'gone', deliveryId };
  });
}

export interface AttemptOutcome {
  deliveryId: string;
  endpointId: string;
  eventId: string;
  messageId: string | null;
  sequence: number | null;
  attempt: number;
  httpStatus: number | null;
  latencyMs: number;
  error: string | null;
  /** delivered; pending again at `nextAttemptAt`; or failed (parked, retries used up). */
  status: 'delivered' | 'pending' | 'failed';
  nextAttemptAt: Date | null;
}

export interface RecordedAttempts {
  /** The deliveries whose new state was written; one missing had lost its claim (the sweeper took it back). */
  recorded: Set<string>;
  /** Deliveries that waited for one of these (the same message's next to the same endpoint) and need not wait any more. */
  nextInLine: string[];
  /** Endpoints these failures disabled. */
  disabled: string[];
  /**
   * Pending deliveries of endpoints that just answered again after failing: made due now, so
   * what piled up during an outage (held, or waiting for a backed-off retry) goes at once.
   */
  resumed: string[];
}

export interface EndpointHealthRule {
  /** An endpoint failing since before this is disabled by a failure. */
  disableFailingSince: Date;
  /** A failing endpoint is probed again by this time at the latest (its deliveries back off further). */
  probeBy: Date;
  /** Its disabled_reason: `before` + the last error + `after`. */
  reason: { before: string; after: string };
}

/**
 * Records a set of attempts in one statement: each attempt's row in the log (always: it
 * happened), each delivery's new state (only where the attempt still holds the claim), and each
 * endpoint's health: any success clears `failing_since`; only failures set it (the first) and,
 * once it is older than the rule allows, disable the endpoint with a reason. An endpoint row is
 * written only when its health changes, so a busy endpoint's deliveries never queue on its lock.
 * A failure of a failing endpoint sets when it is probed next (the earliest retry among these);
 * its first success makes its other pending deliveries due now (`resumed`).
 */
export async function recordCallbackAttempts(
  db: Database,
  outcomes: AttemptOutcome[],
  health: EndpointHealthRule,
  now: Date = new Date(),
): Promise<RecordedAttempts> {
  if (outcomes.length === 0) return { recorded: new Set(), nextInLine: [], disabled: [], resumed: [] };
  const col = <T>(pick: (o: AttemptOutcome) => T) => outcomes.map(pick);
  const result = await sql<{
    recorded: number[] | null;
    next_in_line: number[] | null;
    disabled: string[] | null;
    resumed: number[] | null;
  }>`
    with input as (
      select * from unnest(
        ${col((o) => o.deliveryId)}::bigint[], ${col((o) => o.endpointId)}::text[], ${col((o) => o.eventId)}::text[],
        ${col((o) => o.messageId)}::text[], ${col((o) => o.sequence)}::int[], ${col((o) => o.attempt)}::int[],
        ${col((o) => o.httpStatus)}::int[], ${col((o) => o.latencyMs)}::int[], ${col((o) => o.error)}::text[],
        ${col((o) => o.status)}::text[], ${col((o) => o.nextAttemptAt)}::timestamptz[]
      ) as i(delivery_id, endpoint_id, event_id, message_id, sequence, attempt, http_status, latency_ms, error, status, next_at)
    ), updated as (
      update callback_deliveries d set
        status = i.status, next_attempt_at = coalesce(i.next_at, d.next_attempt_at),
        last_http_status = i.http_status, last_error = i.error,
        delivered_at = case when i.status = 'delivered' then ${now}::timestamptz end
      from input i where d.id = i.delivery_id and d.status = 'delivering' and d.attempts = i.attempt
      returning d.id
    ), logged as (
      insert into callback_attempts (delivery_id, endpoint_id, event_id, attempt, http_status, latency_ms, error, at)
      select delivery_id, endpoint_id, event_id, attempt, http_status, latency_ms, error, ${now} from input i
      -- An endpoint deleted meanwhile took its deliveries (and their log) with it.
      where exists (select 1 from callback_deliveries d where d.id = i.delivery_id)
    ), outcome as (
      select endpoint_id, bool_or(status = 'delivered') as succeeded, max(error) as error,
        min(next_at) filter (where status = 'pending') as retry_at
      from input group by endpoint_id
    ), health as (
      update callback_endpoints e set
        failing_since = case when h.succeeded then null else coalesce(e.failing_since, ${now}) end,
        -- The next probe: when the earliest of these failures is retried, at the latest probeBy.
        retry_at = case when h.succeeded then null else least(h.retry_at, ${health.probeBy}::timestamptz) end,
        enabled = case when not h.succeeded and e.failing_since < ${health.disableFailingSince} then false else e.enabled end,
        disabled_reason = case when not h.succeeded and e.failing_since < ${health.disableFailingSince}
          then ${health.reason.before} || h.error || ${health.reason.after} else e.disabled_reason end,
        updated_at = ${now}
      from outcome h
      where e.id = h.endpoint_id and case when h.succeeded then e.failing_since is not null
        else e.failing_since is null or e.retry_at is distinct from least(h.retry_at, ${health.probeBy}::timestamptz)
          or (e.enabled and e.failing_since < ${health.disableFailingSince}) end
      returning e.id, not e.enabled as disabled, h.succeeded as recovered
    ), resumed as (
      -- Disjoint from the rows "updated" writes: those are delivering in this statement's snapshot.
      update callback_deliveries d set next_attempt_at = least(d.next_attempt_at, ${now})
      from health h
      where h.recovered and d.endpoint_id = h.id and d.status = 'pending'
      returning d.id
    ), next_in_line as (
      select distinct n.id from input i cross join lateral (
        select n.id from callback_deliveries n
        where i.status <> 'pending' and i.message_id is not null and n.endpoint_id = i.endpoint_id
          and n.message_id = i.message_id and n.sequence > i.sequence and n.status = 'pending'
        order by n.sequence limit 1) n
    ), handed_on as (
      -- Due now: a blocked delivery was put off until its predecessor might be done.
      update callback_deliveries d set next_attempt_at = ${now}
      from next_in_line n where d.id = n.id and d.next_attempt_at > ${now}
    )
    select
      (select array_agg(id) from updated) as recorded,
      (select array_agg(id) from health where disabled) as disabled,
      (select array_agg(id) from resumed) as resumed,
      (select array_agg(id) from next_in_line) as next_in_line`.execute(db);
  const row = result.rows[0]!;
  return {
    recorded: new Set((row.recorded ?? []).map(String)),
    nextInLine: (row.next_in_line ?? []).map(String),
    disabled: row.disabled ?? [],
    resumed: (row.resumed ?? []).map(String),
  };
}

/**
 * The sweeper's first step: deliveries whose claim lapsed (the worker died mid-attempt, or its
 * outcome was lost) go back to pending, due now. Their attempt stays counted.
 */
export async function reclaimLapsedCallbackDeliveries(db: Database, now: Date = new Date()): Promise<string[]> {
  const result = await sql<{ id: number }>`
    update callback_deliveries set status = 'pending', next_attempt_at = ${now},
      last_error = 'the attempt was not answered before its claim lapsed (worker stopped?)'
    where status = 'delivering' and next_attempt_at < ${now}
    returning id`.execute(db);
  return result.rows.map((r) => String(r.id));
}

/**
 * Pending deliveries overdue by more than `graceMs`: their timer (the BullMQ job) was lost, or
 * the queue is that far behind. Re-enqueueing is harmless either way (each attempt is claimed
 * once in Postgres), so the sweeper enqueues them again. A failing endpoint's are held for its probe
 * (probeFailingEndpoints); a disabled endpoint's are all taken, to be parked.
 */
export async function overdueCallbackDeliveries(
  db: Database,
  graceMs: number,
  limit: number,
  now: Date = new Date(),
): Promise<string[]> {
  const overdueBefore = new Date(now.getTime() - graceMs);
  // Made due now as they are taken, so a queue that is merely behind gets each one again only
  // after another grace period, not every sweep.
  const result = await sql<{ id: number }>`
    update callback_deliveries t set next_attempt_at = ${now}
    from (
      (select d.id from callback_deliveries d join callback_endpoints e on e.id = d.endpoint_id
       where d.status = 'pending' and d.next_attempt_at < ${overdueBefore} and e.failing_since is null and e.enabled
       order by d.next_attempt_at limit ${limit})
      union all
      -- A disabled endpoint's are claimed only to be parked.
      (select d.id from callback_deliveries d join callback_endpoints e on e.id = d.endpoint_id
       where d.status = 'pending' and not e.enabled limit ${limit})
    ) o
    where t.id = o.id and t.status = 'pending'
    returning t.id`.execute(db);
  return result.rows.map((r) => String(r.id));
}

/**
 * The sweeper's probes: for each failing endpoint whose retry time has come, its oldest pending
 * delivery (the first owed: probes keep to it until it is delivered or parked) is made due now,
 * whatever its own backoff, and returned, to be enqueued. The claim
 * lets it through as the endpoint's one probe; its success brings the rest.
 */
export async function probeFailingEndpoints(db: Database, now: Date = new Date()): Promise<string[]> {
  const result = await sql<{ id: number }>`
    update callback_deliveries d set next_attempt_at = ${now}
    from (
      select distinct on (e.id) d.id from callback_endpoints e
      join callback_deliveries d on d.endpoint_id = e.id and d.status = 'pending'
      where e.failing_since is not null and e.enabled and coalesce(e.retry_at, '-infinity') <= ${now}
      order by e.id, d.id
    ) p
    where d.id = p.id
    returning d.id`.execute(db);
  return result.rows.map((r) => String(r.id));
}

/**
 * Where a replay of a range stopped: the last delivery it took, by (created_at, id). The time is
 * Postgres' own, to the microsecond, as text (`2026-03-14T09:30:00.123456Z`), so the next page
 * starts exactly after it even among deliveries that share a millisecond, and it does not
 * depend on that delivery still existing.
 */
export interface ReplayPosition {
  at: string;
  id: string;
}

/** One event, or the events created in [since, until), after `after` when a previous page stopped there. */
export type ReplaySelection = { eventId: string } | { since: Date; until: Date; after?: ReplayPosition };

/**
 * Replay: the endpoint's finished deliveries (delivered or parked) of one event or of events
 * created in [since, until) become pending again, due now, with a fresh retry window; the same
 * event id and body go out again. At most `cap` of them, oldest first (created_at, then id);
 * `next` is where this page stopped when the range holds more, so a range of any size is
 * replayed page by page. Deliveries still pending or being sent are on their way already and
 * untouched.
 */
export async function replayCallbackDeliveries(
  db: Database,
  endpointId: string,
  selection: ReplaySelection,
  cap: number,
  now: Date = new Date(),
): Promise<{ ids: string[]; next: ReplayPosition | null }> {
  const filter =
    'eventId' in selection
      ? sql`event_id = ${selection.eventId}`
      : sql`created_at >= ${selection.since} and created_at < ${selection.until}${
          selection.after === undefined
            ? sql``
            : sql` and (created_at, id) > (${selection.after.at}::timestamptz, ${selection.after.id}::bigint)`
        }`;
  const result = await sql<{ id: number; next_at: string | null; next_id: number | null }>`
    with picked as (
      select id, created_at from callback_deliveries
      where endpoint_id = ${endpointId} and ${filter} and status in ('delivered', 'failed')
      order by created_at, id limit ${cap + 1}
    ), kept as (
      select id, created_at from picked order by created_at, id limit ${cap}
    ), last as (
      select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at, id from kept
      where (select count(*) from picked) > ${cap}
      order by created_at desc, id desc limit 1
    )
    -- A fresh start: attempts count from 0 again, so its retries back off from the first delay.
    update callback_deliveries d set status = 'pending', next_attempt_at = ${now}, first_attempt_at = null,
      attempts = 0, delivered_at = null, last_error = null, last_http_status = null
    from kept where d.id = kept.id
    returning d.id, (select at from last) as next_at, (select id from last) as next_id`.execute(db);
  const first = result.rows[0];
  return {
    ids: result.rows.map((r) => String(r.id)),
    next: first?.next_at && first.next_id != null ? { at: first.next_at, id: String(first.next_id) } : null,
  };
}

/** Whether the endpoint ever had a delivery of this event. */
export async function endpointHasEvent(db: Database, endpointId: string, eventId: string): Promise<boolean> {
  const row = await db
    .selectFrom('callback_deliveries')
    .select('id')
    .where('endpoint_id', '=', endpointId)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row !== undefined;
}

export interface CallbackAttemptRow {
  id: number;
  event_id: string;
  event_type: string;
  delivery_status: CallbackDeliveryStatus;
  attempt: number;
  http_status: number | null;
  latency_ms: number;
  error: string | null;
  at: Date;
}

/** The endpoint's delivery log, newest first: `limit` attempts older than `before` (an attempt id). */
export async function listCallbackAttempts(
  db: Database,
  endpointId: string,
  page: {
    limit: number;
    before?: number | undefined;
    eventId?: string | undefined;
    status?: CallbackDeliveryStatus | undefined;
  },
): Promise<CallbackAttemptRow[]> {
  let query = db
    .selectFrom('callback_attempts as a')
    .innerJoin('callback_deliveries as d', 'd.id', 'a.delivery_id')
    .innerJoin('callback_events as e', 'e.id', 'a.event_id')
    .select([
      'a.id',
      'a.event_id',
      'e.type as event_type',
      'd.status as delivery_status',
      'a.attempt',
      'a.http_status',
      'a.latency_ms',
      'a.error',
      'a.at',
    ])
    .where('a.endpoint_id', '=', endpointId);
  if (page.before !== undefined) query = query.where('a.id', '<', page.before);
  if (page.eventId !== undefined) query = query.where('a.event_id', '=', page.eventId);
  if (page.status !== undefined) query = query.where('d.status', '=', page.status);
  return query.orderBy('a.id', 'desc').limit(page.limit).execute();
}

/**
 * Retention: deletes up to `limit` events created before `before` that no endpoint still owes
 * (none of their deliveries pending or being sent); their deliveries and attempts go with them.
 */
export async function deleteCallbackEventsBefore(db: Database, before: Date, limit: number): Promise<number> {
  const result = await sql`
    delete from callback_events where id in (
      select e.id from callback_events e
      where e.created_at < ${before}
        and not exists (select 1 from callback_deliveries d where d.event_id = e.id and d.status in ('pending', 'delivering'))
      limit ${limit}
    )`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
