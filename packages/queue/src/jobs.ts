import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * The job catalogue: every queue, job name and payload in one place. Jobs carry ids only;
 * Postgres owns the state: a dispatch job only names messages and their slots.
 */
export const QUEUE_NAMES = { send: 'send', maintenance: 'maintenance' } as const;

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
export const MAINTENANCE_JOBS = { sweep: 'sweep', templateSync: 'template-sync', retention: 'retention' } as const;
export type MaintenanceJob = Record<string, never>;

/** Postgres keeps every outcome, so Redis keeps no finished dispatch job. */
export const dispatchJobOptions: JobsOptions = { removeOnComplete: true, removeOnFail: true };

export interface Queues {
  send: Queue<DispatchJob>;
  maintenance: Queue<MaintenanceJob>;
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const send = new Queue<DispatchJob>(QUEUE_NAMES.send, { connection, prefix });
  const maintenance = new Queue<MaintenanceJob>(QUEUE_NAMES.maintenance, { connection, prefix });
  return {
    send,
    maintenance,
    async close() {
      await Promise.all([send.close(), maintenance.close()]);
    },
  };
}
