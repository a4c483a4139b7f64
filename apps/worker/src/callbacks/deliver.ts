import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { callbackRequest, nextCallbackAttemptAt } from '@dak/core';
import {
  claimCallbackDeliveries,
  recordCallbackAttempts,
  type AttemptOutcome,
  type ClaimedDelivery,
  type EndpointHealthRule,
} from '@dak/db';
import {
  callbackJobId,
  callbackJobSchema,
  enqueueCallbackDeliveries,
  scheduleCallbackDeliveries,
  type CallbackJob,
} from '@dak/queue';
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

/**
 * One callback job: claim its deliveries in Postgres (one statement), POST each claimed event to
 * its endpoint (concurrently, each with its own timeout), record every attempt (one statement),
 * then give each delivery that must wait — a retry's backoff, an earlier event of its message
 * still owed — a timer. A job of a single delivery is itself that timer: it moves back to delayed.
 */
export async function deliverCallbacks(
  ctx: WorkerContext,
  job: Job<CallbackJob>,
  token?: string,
): Promise<DeliveryCounts> {
  const parsed = callbackJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid callback job: ${parsed.error.message}`);
  const { deliveryIds } = parsed.data;
  const settings = ctx.config.callbacks;
  const now = new Date();
  const claims = await claimCallbackDeliveries(
    ctx.db,
    deliveryIds,
    new Date(now.getTime() + 3 * settings.timeoutMs + CLAIM_MARGIN_MS),
    now,
  );
  const counts: DeliveryCounts = { delivered: 0, retry: 0, parked: 0, waiting: 0, gone: 0 };
  const waits: Wait[] = [];
  const claimed: ClaimedDelivery[] = [];
  for (const claim of claims) {
    if (claim.kind === 'claimed') claimed.push(claim);
    else if (claim.kind === 'blocked' || claim.kind === 'early')
      waits.push({ deliveryId: claim.deliveryId, at: claim.until });
    else counts[claim.kind]++;
  }
  counts.waiting = waits.length;
  if (waits.length > 0) ctx.metrics.callbackAttempts.inc({ outcome: 'waiting' }, waits.length);

  const outcomes = await Promise.all(claimed.map((claim) => attempt(ctx, claim)));
  const recorded = await retryOnDeadlock(() => recordCallbackAttempts(ctx.db, outcomes, healthRule(ctx), new Date()));
  for (const outcome of outcomes) {
    const kind = outcome.status === 'pending' ? 'retry' : outcome.status === 'failed' ? 'parked' : 'delivered';
    ctx.metrics.callbackAttempts.inc({ outcome: kind });
    // A claim that lapsed: the sweeper gave the delivery back to the queue, which owns it now.
    if (!recorded.recorded.has(outcome.deliveryId)) counts.gone++;
    else if (outcome.status === 'pending') waits.push({ deliveryId: outcome.deliveryId, at: outcome.nextAttemptAt! });
    else counts[kind]++;
  }
  counts.retry = waits.length - counts.waiting;
  for (const endpointId of recorded.disabled)
    ctx.logger.warn({ endpointId }, 'callback endpoint disabled: every delivery to it has failed for too long');

  // The job of one delivery is its own timer; a batch's waiting deliveries get jobs of their own.
  const own = deliveryIds.length === 1 && waits.length === 1 ? waits[0]! : undefined;
  if (!own && waits.length > 0) await scheduleCallbackDeliveries(ctx.queues, waits);
  // The next events of these messages waited for these; they need not wait for their timers.
  await promote(ctx, recorded.nextInLine);
  // An endpoint that answers again gets its backlog now, in batches; each delivery's own timer
  // then finds it done. Its messages' order still holds: each claim checks it.
  if (recorded.resumed.length > 0) {
    ctx.logger.info({ deliveries: recorded.resumed.length }, 'callback endpoint answers again; sending what it missed');
    await enqueueCallbackDeliveries(ctx.queues, recorded.resumed);
  }
  if (own) {
    await job.moveToDelayed(Math.max(own.at.getTime(), Date.now()), token);
    throw new DelayedError();
  }
  return counts;
}

async function attempt(ctx: WorkerContext, claim: ClaimedDelivery): Promise<AttemptOutcome> {
  const settings = ctx.config.callbacks;
  const sentAt = new Date();
  const request = callbackRequest(claim.event, ctx.signingSecrets.signing(claim, sentAt), sentAt);
  const answer = await ctx.outbound.post(claim.url, request.body, request.headers, settings.timeoutMs);
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
 * opposite orders; Postgres then aborts one statement. Its attempts happened, so it is recorded
 * again rather than left to lapse (which would send them a second time).
 */
async function retryOnDeadlock<T>(run: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= tries || (error as { code?: string }).code !== '40P01') throw error;
    }
  }
}

function healthRule(ctx: WorkerContext): EndpointHealthRule {
  const disableAfterMs = ctx.config.callbacks.disableAfterMs;
  return {
    disableFailingSince: new Date(Date.now() - disableAfterMs),
    reason: {
      before: `Dak disabled this endpoint: every delivery to it failed for ${formatDuration(disableAfterMs)} (last error: `,
      after: '). Fix the endpoint, enable it again (PATCH enabled: true), then replay what it missed.',
    },
  };
}

/** Runs the delayed jobs of these deliveries now (each has its own job, scheduled when it was blocked). */
async function promote(ctx: WorkerContext, deliveryIds: string[]): Promise<void> {
  for (const deliveryId of deliveryIds) {
    try {
      const job = await ctx.queues.callbacks.getJob(callbackJobId(deliveryId));
      if (job && (await job.isDelayed())) await job.promote();
    } catch (error) {
      // It runs at its own time anyway; promoting only saves the wait.
      ctx.logger.debug({ err: error, deliveryId }, 'could not promote the next callback of a message');
    }
  }
}

function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
