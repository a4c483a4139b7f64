import { claimStalePendingEvents, closeAutomationEvent, findAutomationById } from '@dak/db';
import type { ApiContext } from '../../context';
import { evaluateEvent } from './evaluate';

// An event is stored before the hook answers and evaluated right after. If the process dies in
// between (or Postgres went away mid-evaluation), the event stays `pending`; this pass, run by
// every API process, claims such events once they are STALE_AFTER_MS old and evaluates them.
// It lives in the API process because evaluation is the API's send path (caches, the accept
// statement); the worker would need a second copy of it. Several API processes share the work
// through the claim (FOR UPDATE SKIP LOCKED, and claimed_at pushes a claimed event out of the
// others' reach for STALE_AFTER_MS); and an evaluation that races the hook's own is harmless:
// only one can mark the event, and the dedupe index stops a second message.

export const RECOVERY_INTERVAL_MS = 5_000;
/** Far longer than an evaluation takes (milliseconds), so the pass does not race the hook's own. */
export const STALE_AFTER_MS = 10_000;
/** An event that failed this many evaluations is closed as failed instead of retried forever. */
export const MAX_EVALUATIONS = 5;
const BATCH = 50;

/** Evaluates pending events older than `staleAfterMs`; returns how many it claimed. */
export async function evaluateStaleEvents(ctx: ApiContext, staleAfterMs = STALE_AFTER_MS): Promise<number> {
  const now = new Date();
  const events = await claimStalePendingEvents(ctx.db, new Date(now.getTime() - staleAfterMs), BATCH, now);
  for (const event of events) {
    const automation = await findAutomationById(ctx.db, event.automation_id);
    if (!automation) continue; // deleted meanwhile: its events went with it
    if (event.attempts > MAX_EVALUATIONS) {
      await closeAutomationEvent(ctx.db, event.id, {
        outcome: 'failed',
        reason: 'evaluation_error',
        reason_message: `Evaluating the event failed ${MAX_EVALUATIONS} times; Dak's logs have the cause. Send the event again to retry.`,
      });
      continue;
    }
    try {
      await evaluateEvent(ctx, automation, event);
    } catch (error) {
      ctx.logger.warn({ err: error, eventId: event.id }, 'automation event still pending');
    }
  }
  return events.length;
}

/** The periodic pass (one at a time: a slow pass is not stacked on); stop() waits for one in progress. */
export function startAutomationRecovery(ctx: ApiContext, intervalMs = RECOVERY_INTERVAL_MS): { stop(): Promise<void> } {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= evaluateStaleEvents(ctx)
      .catch((error) => ctx.logger.warn({ err: error }, 'automation recovery pass failed'))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
