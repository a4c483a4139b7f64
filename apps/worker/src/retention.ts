import {
  deleteCallbackEventsBefore,
  deleteClosedEventsBefore,
  deleteIdempotencyKeysBefore,
  deleteMarketingHoldsBefore,
  deleteUnsentAutomationEventsBefore,
  scrubSentAutomationEventsBefore,
} from '@dak/db';
import type { WorkerContext } from './context';

export const RETENTION_INTERVAL_MS = 3_600_000;
const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;
// Each statement deletes a bounded chunk, so no delete holds locks or bloats WAL for long; a
// backlog larger than one run's share is finished by the next runs.
const CHUNK = 5_000;
const MAX_CHUNKS_PER_RUN = 200;

export interface RetentionResult {
  idempotencyKeys: number;
  events: number;
  marketingHolds: number;
  /** Automation events that made no message, deleted. */
  automationEvents: number;
  /** Automation events that made a message, their payload emptied (kept for deduplication). */
  automationPayloads: number;
  /** Callback events (with their deliveries and attempt log) nothing still owes. */
  callbackEvents: number;
}

/**
 * Deletes what Dak no longer needs and should not keep: idempotency keys past their 24 h (they
 * no longer count) and raw webhook events, inbound message bodies among them, older than
 * EVENT_RETENTION_DAYS. Only closed events go: one still waiting for its message stays. Marketing
 * holds go once their `until` has passed. Automation events (a store's orders: names, phones,
 * addresses) go after EVENT_RETENTION_DAYS too, except that one which made a message only loses
 * its payload and headers: its dedupe value keeps a late redelivery from sending again. Callback
 * events (with their deliveries and attempt log) go CALLBACK_RETENTION_DAYS after they were
 * made, once no endpoint is still owed them.
 */
export async function pruneExpired(
  ctx: WorkerContext,
  options: { now?: Date; chunk?: number } = {},
): Promise<RetentionResult> {
  const now = (options.now ?? new Date()).getTime();
  const chunk = options.chunk ?? CHUNK;
  const keysBefore = new Date(now - IDEMPOTENCY_WINDOW_MS);
  const eventsBefore = new Date(now - ctx.config.retention.eventDays * DAY_MS);
  const result = {
    idempotencyKeys: await inChunks(chunk, (limit) => deleteIdempotencyKeysBefore(ctx.db, keysBefore, limit)),
    events: await inChunks(chunk, (limit) => deleteClosedEventsBefore(ctx.db, eventsBefore, limit)),
    marketingHolds: await inChunks(chunk, (limit) => deleteMarketingHoldsBefore(ctx.db, new Date(now), limit)),
    automationEvents: await inChunks(chunk, (limit) => deleteUnsentAutomationEventsBefore(ctx.db, eventsBefore, limit)),
    automationPayloads: await inChunks(chunk, (limit) => scrubSentAutomationEventsBefore(ctx.db, eventsBefore, limit)),
    callbackEvents: await inChunks(chunk, (limit) =>
      deleteCallbackEventsBefore(ctx.db, new Date(now - ctx.config.callbacks.retentionDays * DAY_MS), limit),
    ),
  };
  if (Object.values(result).some((n) => n > 0)) ctx.logger.info(result, 'retention deleted expired rows');
  return result;
}

async function inChunks(chunk: number, remove: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (let i = 0; i < MAX_CHUNKS_PER_RUN; i++) {
    const removed = await remove(chunk);
    total += removed;
    if (removed < chunk) break;
  }
  return total;
}
