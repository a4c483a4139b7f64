import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { retryJobOptions, SEND_RETRY } from './retry-policy';

/**
 * The job catalogue: every queue, job name and payload in one place. Jobs carry ids only;
 * Postgres owns the state. A send job's id is the message id, so enqueueing twice is harmless.
 */
export const QUEUE_NAMES = { send: 'send', maintenance: 'maintenance' } as const;

const sendJobFields = z.object({
  messageId: z.string().startsWith('msg_'),
  /** The number the message is sent from: Dak's id (`pn_…`), the message's `sender_id`. */
  senderId: z.string().min(1),
  /** A rate-limit slot this job already reserved (epoch ms), kept while it waits in the delayed set. */
  slot: z.number().int().optional(),
  /** How many times Meta answered 131056 (pair rate limit) for this message: the next wait is 4^n s. */
  pairRetries: z.number().int().min(0).optional(),
});
export type SendJob = z.infer<typeof sendJobFields>;

export const sendJobSchema = z.preprocess(
  // Jobs enqueued before the sender_id rename call it phoneNumberId; drop this a release after it, when none is left in Redis.
  (data) =>
    data && typeof data === 'object' && !('senderId' in data) && 'phoneNumberId' in data
      ? { ...data, senderId: data.phoneNumberId }
      : data,
  sendJobFields,
);

/** Periodic jobs, one per interval across all worker processes (BullMQ job schedulers). */
export const MAINTENANCE_JOBS = { sweep: 'sweep', templateSync: 'template-sync', retention: 'retention' } as const;
export type MaintenanceJob = Record<string, never>;

export const sendJobOptions = (messageId: string): JobsOptions => ({
  jobId: messageId,
  ...retryJobOptions(SEND_RETRY),
  // Postgres keeps the outcome; Redis keeps no finished jobs, so a re-enqueue after a lost
  // job is never blocked by an old record with the same id.
  removeOnComplete: true,
  removeOnFail: true,
});

export interface Queues {
  send: Queue<SendJob>;
  maintenance: Queue<MaintenanceJob>;
  close(): Promise<void>;
}

export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const send = new Queue<SendJob>(QUEUE_NAMES.send, { connection, prefix });
  const maintenance = new Queue<MaintenanceJob>(QUEUE_NAMES.maintenance, { connection, prefix });
  return {
    send,
    maintenance,
    async close() {
      await Promise.all([send.close(), maintenance.close()]);
    },
  };
}

export async function enqueueSends(
  queue: Queue<SendJob>,
  messages: { id: string; sender_id: string }[],
): Promise<void> {
  if (messages.length === 0) return;
  await queue.addBulk(
    messages.map((m) => ({
      name: 'send',
      data: { messageId: m.id, senderId: m.sender_id },
      opts: sendJobOptions(m.id),
    })),
  );
}
