import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { callbackRequest, nextCallbackAttemptAt } from '@dak/core';
import type { OutboundResult } from '@dak/http';
import {
  claimCallbackDeliveries,
  recordCallbackAttempts,
  type AttemptOutcome,
  type ClaimedDelivery,
  type EndpointHealthRule,
} from '@dak/db';
import { callbackJobSchema, scheduleCallbackDeliveries, wakeCallbackDeliveries, type CallbackJob } from '@dak/queue';
import type { WorkerContext } from '../context';

/**
 * How long past the longest attempt (3 × the timeout: a wait for a free connection, then the
 * request; see OutboundPoster.post) a claim holds: the attempt has ended by then, so a
 * `delivering` row older than this lost its worker, and the sweeper takes it back.
 */
export const CLAIM_MARGIN_MS = 30_000;

export interface DeliveryCounts {
  delivered: number;
  retry: number;
  parked: number;
  /** Waiting for an earlier event of the same message, or not due yet: given a timer. */
  waiting: number;
  gone: number;
}

interface Wait {
  deliveryId: string;
  at: Date;
}

/** Rounds of handing a message's next event on within one job; what is left goes to a new job. */
const MAX_ROUNDS = 8;
/** Attempts answered by then are recorded at once; slower ones when they end (at most the timeout). */
const RECORD_FIRST_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * One callback job: claim its deliveries in Postgres (one statement), POST each claimed event to
 * its endpoint (concurrently, each with its own timeout), record every attempt (one statement);
 * then the same for the events that waited for these (the same message's next, to the same
 * endpoint), so a message's sent, delivered and read go out in order without waiting for timers.
 * A delivery that must wait for its time (a retry's backoff, a timer that fired early) gets a
 * timer: a job of a single delivery is itself that timer and moves back to delayed. One blocked
 * by an earlier event still owed needs none: it is handed on when that one is recorded (and
 * the sweeper finds it if that never happens).
 */
export async function deliverCallbacks(
  ctx: WorkerContext,
  job: Job<CallbackJob>,
  token?: string,
): Promise<DeliveryCounts> {
  const parsed = callbackJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid callback job: ${parsed.error.message}`);
  const counts: DeliveryCounts = { delivered: 0, retry: 0, parked: 0, waiting: 0, gone: 0 };
  const waits: Wait[] = [];
  let ids = parsed.data.deliveryIds;
  for (let round = 0; ids.length > 0; round++) {
    if (round === MAX_ROUNDS) {
      await wakeCallbackDeliveries(ctx.queues, ctx.logger, ids);
      break;
    }
    ids = await deliverRound(ctx, ids, counts, waits);
  }
  // The job of one delivery is its own timer; other waiting deliveries get jobs of their own.
  const own =
    parsed.data.deliveryIds.length === 1 && waits[0]?.deliveryId === parsed.data.deliveryIds[0] ? waits[0] : undefined;
  const others = waits.filter((w) => w !== own);
  if (others.length > 0) await scheduleCallbackDeliveries(ctx.queues, others);
  if (own) {
    await job.moveToDelayed(Math.max(own.at.getTime(), Date.now()), token);
    throw new DelayedError();
  }
  return counts;
}

/** One claim, attempt and record; answers the deliveries that waited for these and may go now. */
async function deliverRound(
  ctx: WorkerContext,
  deliveryIds: string[],
  counts: DeliveryCounts,
  waits: Wait[],
): Promise<string[]> {
  const settings = ctx.config.callbacks;
  const now = new Date();
  const claims = await claimCallbackDeliveries(
    ctx.db,
    deliveryIds,
    new Date(now.getTime() + 3 * settings.timeoutMs + CLAIM_MARGIN_MS),
    now,
  );
  const claimed: ClaimedDelivery[] = [];
  let waiting = 0;
  for (const claim of claims) {
    if (claim.kind === 'claimed') claimed.push(claim);
    else if (claim.kind === 'early') {
      waits.push({ deliveryId: claim.deliveryId, at: claim.until });
      waiting++;
    } else if (claim.kind === 'blocked' || claim.kind === 'held') waiting++;
    else counts[claim.kind]++;
  }
  counts.waiting += waiting;
  if (waiting > 0) ctx.metrics.callbackAttempts.inc({ outcome: 'waiting' }, waiting);
  if (claimed.length === 0) return [];

  // What answered within RECORD_FIRST_MS is recorded then, so one slow endpoint in the job does
  // not hold back the others' next events (they wait for that record); the slow ones after.
  const pending = claimed.map((claim) => attempt(ctx, claim));
  const answered: (AttemptOutcome | undefined)[] = claimed.map(() => undefined);
  pending.forEach((outcome, i) => void outcome.then((o) => (answered[i] = o)));
  await Promise.race([Promise.all(pending), sleep(RECORD_FIRST_MS)]);
  const first = answered.flatMap((o) => (o ? [o] : []));
  const late = pending.filter((_, i) => answered[i] === undefined);
  const next = await record(ctx, first, counts, waits);
  if (late.length === 0) return next;
  // Their successors go in a job of their own rather than wait here for the slow ones.
  await wakeCallbackDeliveries(ctx.queues, ctx.logger, next, { now: true });
  // An endpoint that answered none of its attempts here is stalled (dead, black-holed or just
  // slow): its attempts are recorded when they end, and this job's slot goes to other deliveries.
  // A busy endpoint that answered some waits here, as before: a burst keeps its job's rounds.
  const answering = new Set(first.map((o) => o.endpointId));
  const isStalled = (i: number) => answered[i] === undefined && !answering.has(claimed[i]!.endpointId);
  const stalled = pending.filter((_, i) => isStalled(i));
  const stalledEndpoints = claimed.flatMap((claim, i) => (isStalled(i) ? [claim.endpointId] : []));
  const waited =
    stalled.length > 0 && ctx.lateAttempts.adopt(stalledEndpoints, () => recordLate(ctx, stalled))
      ? late.filter((p) => !stalled.includes(p))
      : late;
  return record(ctx, await Promise.all(waited), counts, waits);
}

/**
 * Records attempts that outlived their job, then does what the job would have: hands their
 * messages' next events on and gives retries their timers. Their claims hold past the longest
 * attempt, so until then no one else sends these deliveries; if recording fails, the sweeper
 * takes the claims back once they lapse. A retry's timer is a job keyed by its delivery: if the
 * job that claimed it (a lone delivery's own) has not been removed yet, that timer is not added,
 * and the sweep of overdue deliveries (SWEEP_GRACE_MS) sends it instead.
 */
async function recordLate(ctx: WorkerContext, late: Promise<AttemptOutcome>[]): Promise<void> {
  const counts: DeliveryCounts = { delivered: 0, retry: 0, parked: 0, waiting: 0, gone: 0 };
  const waits: Wait[] = [];
  try {
    const next = await record(ctx, await Promise.all(late), counts, waits);
    await wakeCallbackDeliveries(ctx.queues, ctx.logger, next, { now: true });
    if (waits.length > 0) await scheduleCallbackDeliveries(ctx.queues, waits);
  } catch (error) {
    ctx.logger.warn(
      { err: error, attempts: late.length },
      'could not record late callback attempts; the sweeper takes them back',
    );
  }
}

/** Records attempts (one statement) and what follows from them; answers the deliveries handed on. */
async function record(
  ctx: WorkerContext,
  outcomes: AttemptOutcome[],
  counts: DeliveryCounts,
  waits: Wait[],
): Promise<string[]> {
  if (outcomes.length === 0) return [];
  const recorded = await retryOnDeadlock(() => recordCallbackAttempts(ctx.db, outcomes, healthRule(ctx), new Date()));
  for (const outcome of outcomes) {
    const kind = outcome.status === 'pending' ? 'retry' : outcome.status === 'failed' ? 'parked' : 'delivered';
    ctx.metrics.callbackAttempts.inc({ outcome: kind });
    // A claim that lapsed: the sweeper gave the delivery back to the queue, which owns it now.
    if (!recorded.recorded.has(outcome.deliveryId)) counts.gone++;
    else {
      counts[kind]++;
      if (outcome.status === 'pending') waits.push({ deliveryId: outcome.deliveryId, at: outcome.nextAttemptAt! });
    }
  }
  for (const endpointId of recorded.disabled)
    ctx.logger.warn({ endpointId }, 'callback endpoint disabled: every delivery to it has failed for too long');
  // An endpoint that answers again gets its backlog now, in batches; each delivery's own timer
  // then finds it done. Its messages' order still holds: each claim checks it.
  if (recorded.resumed.length > 0) {
    ctx.logger.info({ deliveries: recorded.resumed.length }, 'callback endpoint answers again; sending what it missed');
    await wakeCallbackDeliveries(ctx.queues, ctx.logger, recorded.resumed, { now: true });
  }
  return recorded.nextInLine;
}

async function attempt(ctx: WorkerContext, claim: ClaimedDelivery): Promise<AttemptOutcome> {
  const settings = ctx.config.callbacks;
  const sentAt = new Date();
  let answer: OutboundResult;
  try {
    const request = callbackRequest(claim.event, ctx.signingSecrets.signing(claim, sentAt), sentAt);
    answer = await ctx.outbound.post(claim.url, request.body, request.headers, settings.timeoutMs);
  } catch (error) {
    // Never rejects (a rejected attempt would leave its batch unrecorded): a secret that cannot
    // be decrypted is this delivery's failed attempt, retried like any other.
    answer = { status: null, latencyMs: 0, error: `not sent: ${(error as Error).message}` };
  }
  ctx.metrics.callbackLatency.observe(answer.latencyMs / 1000);
  const delivered = answer.status !== null && answer.status >= 200 && answer.status < 300;
  const nextAttemptAt = delivered
    ? null
    : nextCallbackAttemptAt(
        { baseDelayMs: settings.retryBaseMs, maxDelayMs: settings.retryMaxDelayMs, windowMs: settings.retryWindowMs },
        claim.attempt,
        claim.firstAttemptAt,
        new Date(),
      );
  return {
    deliveryId: claim.deliveryId,
    endpointId: claim.endpointId,
    eventId: claim.event.id,
    messageId: claim.messageId,
    sequence: claim.sequence,
    attempt: claim.attempt,
    httpStatus: answer.status,
    latencyMs: answer.latencyMs,
    error: delivered ? null : (answer.error ?? `answered HTTP ${answer.status}; only a 2xx counts as delivered`),
    status: delivered ? 'delivered' : nextAttemptAt ? 'pending' : 'failed',
    nextAttemptAt,
  };
}

/**
 * Two jobs recording failures of the same endpoints at once may lock those endpoints' rows in
 * opposite orders, and an endpoint deleted mid-statement fails its log rows' foreign key;
 * Postgres then aborts the statement. Its attempts happened, so it is recorded again rather
 * than left to lapse (which would send them a second time).
 */
async function retryOnDeadlock<T>(run: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      // 40P01: two records deadlocked; 23503: an endpoint deleted while this statement ran.
      if (attempt >= tries || !['40P01', '23503'].includes((error as { code?: string }).code ?? '')) throw error;
    }
  }
}

function healthRule(ctx: WorkerContext): EndpointHealthRule {
  const disableAfterMs = ctx.config.callbacks.disableAfterMs;
  return {
    disableFailingSince: new Date(Date.now() - disableAfterMs),
    // However far a failing endpoint's deliveries have backed off, it is probed again within
    // CALLBACK_PROBE_INTERVAL_MS, so one that is back gets its backlog soon (see `resumed`).
    probeBy: new Date(Date.now() + ctx.config.callbacks.probeIntervalMs),
    reason: {
      before: `Dak disabled this endpoint: every delivery to it failed for ${formatDuration(disableAfterMs)} (last error: `,
      after: '). Fix the endpoint, enable it again (PATCH enabled: true), then replay what it missed.',
    },
  };
}

function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
