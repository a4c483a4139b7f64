import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { callbackRequest, nextCallbackAttemptAt } from '@dak/core';
import { claimCallbackDelivery, recordCallbackAttempt, type ClaimedDelivery } from '@dak/db';
import { callbackJobId, callbackJobSchema, type CallbackJob } from '@dak/queue';
import type { WorkerContext } from '../context';

/**
 * How long past the request timeout a claim holds: the attempt has answered or failed by then,
 * so a `delivering` row older than this lost its worker, and the sweeper takes it back.
 */
export const CLAIM_MARGIN_MS = 30_000;

export type DeliveryOutcome = 'delivered' | 'retry' | 'parked' | 'waiting' | 'gone';

/**
 * One callback delivery job: claim the delivery in Postgres, POST the event, record the attempt.
 * The job is only the delivery's timer: between attempts (and while an earlier event of the same
 * message is still owed) it is moved back to delayed, so one job carries a delivery to its end.
 */
export async function deliverCallback(
  ctx: WorkerContext,
  job: Job<CallbackJob>,
  token?: string,
): Promise<DeliveryOutcome> {
  const parsed = callbackJobSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid callback job: ${parsed.error.message}`);
  const { deliveryId } = parsed.data;
  const settings = ctx.config.callbacks;
  const now = new Date();
  const claim = await claimCallbackDelivery(
    ctx.db,
    deliveryId,
    new Date(now.getTime() + settings.timeoutMs + CLAIM_MARGIN_MS),
    now,
  );
  if (claim.kind === 'blocked') {
    ctx.metrics.callbackAttempts.inc({ outcome: 'waiting' });
    return delayUntil(job, claim.until, token);
  }
  if (claim.kind === 'parked') return 'parked';
  if (claim.kind === 'gone') return 'gone';

  const outcome = await attempt(ctx, deliveryId, claim);
  if (outcome.kind === 'retry') return delayUntil(job, outcome.at, token);
  return outcome.kind;
}

async function attempt(
  ctx: WorkerContext,
  deliveryId: string,
  claim: ClaimedDelivery,
): Promise<{ kind: 'delivered' | 'parked' | 'gone' } | { kind: 'retry'; at: Date }> {
  const settings = ctx.config.callbacks;
  const sentAt = new Date();
  const request = callbackRequest(claim.event, ctx.signingSecrets.signing(claim, sentAt), sentAt);
  const answer = await ctx.outbound.post(claim.url, request.body, request.headers, settings.timeoutMs);
  ctx.metrics.callbackLatency.observe(answer.latencyMs / 1000);

  const now = new Date();
  const delivered = answer.status !== null && answer.status >= 200 && answer.status < 300;
  const error = delivered ? null : (answer.error ?? `answered HTTP ${answer.status}; only a 2xx counts as delivered`);
  const nextAt = delivered
    ? null
    : nextCallbackAttemptAt(
        { baseDelayMs: settings.retryBaseMs, maxDelayMs: settings.retryMaxDelayMs, windowMs: settings.retryWindowMs },
        claim.attempt,
        claim.firstAttemptAt,
        now,
      );
  const status = delivered ? 'delivered' : nextAt ? 'pending' : 'failed';
  const disableFailingSince = new Date(now.getTime() - settings.disableAfterMs);
  const recorded = await recordCallbackAttempt(
    ctx.db,
    {
      deliveryId,
      endpointId: claim.endpointId,
      eventId: claim.event.id,
      messageId: claim.messageId,
      sequence: claim.sequence,
      attempt: claim.attempt,
      httpStatus: answer.status,
      latencyMs: answer.latencyMs,
      error,
      status,
      nextAttemptAt: nextAt,
      disableFailingSince,
      disabledReason:
        `Dak disabled this endpoint: every delivery to it failed for ${formatDuration(settings.disableAfterMs)} ` +
        `(last error: ${error}). Fix the endpoint, enable it again (PATCH enabled: true), then replay what it missed.`,
    },
    now,
  );
  ctx.metrics.callbackAttempts.inc({
    outcome: status === 'pending' ? 'retry' : status === 'failed' ? 'parked' : status,
  });
  if (recorded.disabled)
    ctx.logger.warn({ endpointId: claim.endpointId, error }, 'callback endpoint disabled: it has failed for too long');
  // The next event of the same message waited for this one; it need not wait for its timer.
  if (recorded.nextInLine) await promote(ctx, recorded.nextInLine);
  // A lapsed claim: the sweeper gave the delivery back to the queue, which now owns it.
  if (!recorded.recorded) return { kind: 'gone' };
  if (status === 'pending') return { kind: 'retry', at: nextAt! };
  return { kind: status === 'delivered' ? 'delivered' : 'parked' };
}

/** Moves the job back to delayed until `at`; BullMQ then runs it again, not counting it as a failure. */
async function delayUntil(job: Job<CallbackJob>, at: Date, token: string | undefined): Promise<never> {
  await job.moveToDelayed(Math.max(at.getTime(), Date.now()), token);
  throw new DelayedError();
}

async function promote(ctx: WorkerContext, deliveryId: string): Promise<void> {
  try {
    const job = await ctx.queues.callbacks.getJob(callbackJobId(deliveryId));
    if (job && (await job.isDelayed())) await job.promote();
  } catch (error) {
    // It runs at its own time anyway; promoting only saves the wait.
    ctx.logger.debug({ err: error, deliveryId }, 'could not promote the next callback of a message');
  }
}

function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
