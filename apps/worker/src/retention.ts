import {
  deleteCallbackEventsBefore,
  deleteClosedEventsBefore,
  deleteEmptyConversations,
  deleteInboundMessagesBefore,
  deleteIdempotencyKeysBefore,
  deleteMarketingHoldsBefore,
  deleteReachBefore,
  deleteUnsentAutomationEventsBefore,
  scrubSentAutomationEventsBefore,
} from '@dak/db';
import type { WorkerContext } from './context';

export const RETENTION_INTERVAL_MS = 3_600_000;
const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;
// The tier check counts a recipient while its last send is within 24 h of the check; an hour
// more covers a worker clock a little ahead of Postgres' and a transaction whose now() is older.
const REACH_KEPT_MS = 25 * 3_600_000;
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
  /** Tier bookkeeping of recipients last reached before the 24 h the tier check counts. */
  recipientReach: number;
  /** Customers' messages older than INBOUND_RETENTION_DAYS. */
  inboundMessages: number;
  /** Conversations those left with no message in either direction and no activity since. */
  conversations: number;
}

/**
 * Deletes what Dak no longer needs and should not keep: idempotency keys past their 24 h (they
 * no longer count) and raw webhook events, inbound message bodies among them, older than
 * EVENT_RETENTION_DAYS. Only closed events go: one still waiting for its message stays. Marketing
 * holds go once their `until` has passed. Automation events (a store's orders: names, phones,
 * addresses) go after EVENT_RETENTION_DAYS too, except that one which made a message only loses
 * its payload and headers: its dedupe value keeps a late redelivery from sending again. Callback
 * events (with their deliveries and attempt log) go CALLBACK_RETENTION_DAYS after they were
 * made, once no endpoint is still owed them. The tier's reach rows go once no 24 h count can
 * include them. Customers' messages go INBOUND_RETENTION_DAYS after they were sent, and with
 * them a conversation that has no message left either way and no activity for as long (its
 * window closed long ago); contacts stay: they are the account's address book.
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
    recipientReach: await inChunks(chunk, (limit) => deleteReachBefore(ctx.db, new Date(now - REACH_KEPT_MS), limit)),
    ...(await pruneInbound(ctx, new Date(now - ctx.config.retention.inboundDays * DAY_MS), chunk)),
  };
  if (Object.values(result).some((n) => n > 0)) ctx.logger.info(result, 'retention deleted expired rows');
  return result;
}

/**
 * A chunk's messages and the conversations they leave empty go in one transaction: a crash
 * between the two would leave those conversations to no later chunk (none would name them).
 */
async function pruneInbound(ctx: WorkerContext, before: Date, chunk: number) {
  let conversations = 0;
  const inboundMessages = await inChunks(chunk, (limit) =>
    ctx.db.transaction().execute(async (trx) => {
      const gone = await deleteInboundMessagesBefore(trx, before, limit);
      conversations += await deleteEmptyConversations(trx, gone.conversationIds, before);
      return gone.deleted;
    }),
  );
  return { inboundMessages, conversations };
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
