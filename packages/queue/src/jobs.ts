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
  retention: 'retention',
  lowBalance: 'low-balance',
} as const;
export type MaintenanceJob = Record<string, never>;

/** Postgres keeps every outcome, so Redis keeps no finished dispatch job. */
export const dispatchJobOptions: JobsOptions = { removeOnComplete: true, removeOnFail: true };

/**
 * A callback delivery job (apps/worker/src/callbacks): names one row of callback_deliveries,
 * which holds its state; the job is only its timer. One job per delivery (its id is the job
 * id), moved back to delayed between attempts, so re-enqueueing a delivery whose job is still
 * there adds nothing.
 */
export const callbackJobSchema = z.object({ deliveryId: z.string().regex(/^\d+$/) });
export type CallbackJob = z.infer<typeof callbackJobSchema>;
export const CALLBACK_JOB = 'deliver';

/** BullMQ refuses custom job ids that are plain integers (and ones with a colon). */
export function callbackJobId(deliveryId: string): string {
  return `cbd-${deliveryId}`;
}

/**
 * Postgres keeps every attempt, so Redis keeps no finished job. A job that throws (Postgres
 * down, say) is retried by BullMQ a few times; past those the sweeper re-enqueues its delivery.
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

// One addBulk is one Redis round trip; a few thousand jobs per call keep each reply small.
const ENQUEUE_CHUNK = 2_000;

/**
 * Enqueues callback deliveries (ids from recordCallbackEvents) after their transaction
 * committed, optionally not before `delayMs`. Job data carries ids only; Postgres owns the state.
 */
export async function enqueueCallbackDeliveries(
  queues: Pick<Queues, 'callbacks'>,
  deliveryIds: string[],
  delayMs = 0,
): Promise<void> {
  for (let i = 0; i < deliveryIds.length; i += ENQUEUE_CHUNK) {
    await queues.callbacks.addBulk(
      deliveryIds.slice(i, i + ENQUEUE_CHUNK).map((deliveryId) => ({
        name: CALLBACK_JOB,
        data: { deliveryId },
        opts: { ...callbackJobOptions, jobId: callbackJobId(deliveryId), ...(delayMs > 0 ? { delay: delayMs } : {}) },
      })),
    );
  }
}
