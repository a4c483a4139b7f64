import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * The job catalogue: every queue, job name and payload in one place. Jobs carry ids only;
 * Postgres owns the state: a dispatch job only names messages and their slots.
 */
export const QUEUE_NAMES = { send: 'send', maintenance: 'maintenance', callbacks: 'callbacks' } as const;

/**
 * A dispatch job: a slice of one number's schedule, made by the dispatcher from what it admitted
 * (apps/worker/src/dispatch). Each send names its message and its slot (epoch ms); the worker
 * claims them together and sends each at its slot.
 */
export const dispatchJobSchema = z.object({
  /** The number they are sent from: Dak's id (`pn_…`); only messages of this number are claimed. */
  senderId: z.string().min(1),
  sends: z.array(z.tuple([z.string().startsWith('msg_'), z.number()])).min(1),
  /** Milliseconds between the number's slots when it was admitted (its last send's slot ends an interval later). */
  interval: z.number().positive(),
});
export type DispatchJob = z.infer<typeof dispatchJobSchema>;
export const DISPATCH_JOB = 'dispatch';

/**
 * Before dispatch from Postgres, the API enqueued a `send` job per message. One left in Redis
 * at the upgrade needs nothing: its message is queued in Postgres and the dispatcher admits it.
 * Drop this a release later, when none is left.
 */
export const LEGACY_SEND_JOB = 'send';

/** Periodic jobs, one per interval across all worker processes (BullMQ job schedulers). */
export const MAINTENANCE_JOBS = {
  sweep: 'sweep',
  templateSync: 'template-sync',
  messagingTierSync: 'messaging-tier-sync',
  retention: 'retention',
  lowBalance: 'low-balance',
} as const;
export type MaintenanceJob = Record<string, never>;

/** Postgres keeps every outcome, so Redis keeps no finished dispatch job. */
export const dispatchJobOptions: JobsOptions = { removeOnComplete: true, removeOnFail: true };

/**
 * A callback delivery job (apps/worker/src/callbacks): names rows of callback_deliveries, which
 * hold their state; the job is only their timer. New deliveries go in jobs of up to
 * CALLBACK_JOB_BATCH, so claiming and recording them is a few statements per batch, not per
 * delivery. A delivery that must wait (a retry's backoff, an earlier event of its message) gets a
 * job of its own whose id is the delivery's (`callbackJobId`), moved back to delayed between
 * attempts, so adding it again adds nothing. A duplicate job is harmless: each delivery is
 * claimed pending → delivering in Postgres, once per attempt.
 */
export const callbackJobSchema = z.object({ deliveryIds: z.array(z.string().regex(/^\d+$/)).min(1).max(1_000) });
export type CallbackJob = z.infer<typeof callbackJobSchema>;
export const CALLBACK_JOB = 'deliver';
export const CALLBACK_JOB_BATCH = 50;

/** The job id of a delivery's own job. BullMQ refuses custom ids that are plain integers or hold a colon. */
export function callbackJobId(deliveryId: string): string {
  return `cbd-${deliveryId}`;
}

/**
 * Postgres keeps every attempt, so Redis keeps no finished job. A job that throws (Postgres
 * down, say) is retried by BullMQ a few times; past those the sweeper re-enqueues its deliveries.
 */
export const callbackJobOptions: JobsOptions = {
  removeOnComplete: true,
  removeOnFail: true,
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
};

export interface Queues {
  send: Queue<DispatchJob>;
  maintenance: Queue<MaintenanceJob>;
  callbacks: Queue<CallbackJob>;
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const send = new Queue<DispatchJob>(QUEUE_NAMES.send, { connection, prefix });
  const maintenance = new Queue<MaintenanceJob>(QUEUE_NAMES.maintenance, { connection, prefix });
  const callbacks = new Queue<CallbackJob>(QUEUE_NAMES.callbacks, { connection, prefix });
  return {
    send,
    maintenance,
    callbacks,
    async close() {
      await Promise.all([send.close(), maintenance.close(), callbacks.close()]);
    },
  };
}

// One addBulk is one Redis round trip; a few hundred jobs per call keep each reply small.
const ENQUEUE_CHUNK = 500;

/**
 * Enqueues callback deliveries (ids from recordCallbackEvents) after their transaction
 * committed, in jobs of up to CALLBACK_JOB_BATCH. Job data carries ids only; Postgres owns the
 * state, so a delivery in two jobs is still sent once per attempt.
 */
export async function enqueueCallbackDeliveries(
  queues: Pick<Queues, 'callbacks'>,
  deliveryIds: string[],
  options: { now?: boolean } = {},
): Promise<void> {
  const jobs = [];
  for (let i = 0; i < deliveryIds.length; i += CALLBACK_JOB_BATCH) {
    const batch = deliveryIds.slice(i, i + CALLBACK_JOB_BATCH);
    // A lone delivery takes its own job id, so enqueueing it again adds nothing; `now` wants it
    // sent now even if its timer (a job of that id) is still waiting for a later time.
    const ownId = batch.length === 1 && !options.now;
    jobs.push({
      name: CALLBACK_JOB,
      data: { deliveryIds: batch },
      opts: ownId ? { ...callbackJobOptions, jobId: callbackJobId(batch[0]!) } : callbackJobOptions,
    });
  }
  for (let i = 0; i < jobs.length; i += ENQUEUE_CHUNK) await queues.callbacks.addBulk(jobs.slice(i, i + ENQUEUE_CHUNK));
}

/**
 * Gives deliveries that must wait a job of their own each, due at their time: the job id is the
 * delivery's, so one that already has such a job gets no second one.
 */
export async function scheduleCallbackDeliveries(
  queues: Pick<Queues, 'callbacks'>,
  waits: { deliveryId: string; at: Date }[],
  now = Date.now(),
): Promise<void> {
  for (let i = 0; i < waits.length; i += ENQUEUE_CHUNK) {
    await queues.callbacks.addBulk(
      waits.slice(i, i + ENQUEUE_CHUNK).map(({ deliveryId, at }) => ({
        name: CALLBACK_JOB,
        data: { deliveryIds: [deliveryId] },
        opts: { ...callbackJobOptions, jobId: callbackJobId(deliveryId), delay: Math.max(0, at.getTime() - now) },
      })),
    );
  }
}
