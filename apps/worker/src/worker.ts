import { UnrecoverableError, Worker, type Job } from 'bullmq';
import {
  CALLBACK_JOB,
  DISPATCH_JOB,
  LEGACY_SEND_JOB,
  MAINTENANCE_JOBS,
  QUEUE_NAMES,
  type CallbackJob,
  type DispatchJob,
  type MaintenanceJob,
} from '@dak/queue';
import type { WorkerContext } from './context';
import { ScheduleKeeper } from './schedules';
import { Admitter } from './dispatch/admitter';
import { processDispatch } from './dispatch/send-job';
import { sweep } from './sweeper';
import { checkLowBalance } from './low-balance';
import { pruneExpired } from './retention';
import { syncAllMessagingTiers } from './messaging-tier-sync-job';
import { syncAllTemplates } from './template-sync-job';
import { deliverCallbacks } from './callbacks/deliver';

export interface RunningWorkers {
  /** For /readyz: throws when the sweep has not run for several intervals (undefined without a sweeper). */
  assertSweeping?: () => void;
  close(deadlineMs?: number): Promise<void>;
}

/**
 * How soon the jobs of a worker that died (SIGKILL, OOM, lost host) run elsewhere: its locks
 * lapse after LOCK_DURATION_MS and the other workers look for lapsed locks every
 * STALLED_INTERVAL_MS, so within about 15 s (BullMQ's defaults, 30 s each, made it up to a
 * minute). A live worker renews its locks every half duration, so only an event loop blocked
 * for 5 s loses one (shorter locks were lost on a machine at load 20), and then the Postgres
 * claim still keeps the message from going out twice.
 * A job that stalls MAX_STALLED_COUNT times fails; the sweeper re-enqueues its message.
 */
export const LOCK_DURATION_MS = 10_000;
export const STALLED_INTERVAL_MS = 5_000;
export const MAX_STALLED_COUNT = 2;
const LOCKS = {
  lockDuration: LOCK_DURATION_MS,
  stalledInterval: STALLED_INTERVAL_MS,
  maxStalledCount: MAX_STALLED_COUNT,
};

/**
 * Starts the send worker, the callback worker and the maintenance worker. The sweep, the template sync, the
 * messaging tier sync and the retention run from BullMQ job schedulers (kept alive by ScheduleKeeper), so however many
 * worker processes run, each happens once per interval.
 */
export async function startWorkers(
  ctx: WorkerContext,
  options: { sweep?: boolean; dispatch?: boolean; callbacks?: boolean } = {},
): Promise<RunningWorkers> {
  const connection = ctx.redis;
  const prefix = ctx.config.redis.prefix;
  const sendWorker = new Worker<DispatchJob>(QUEUE_NAMES.send, (job) => runSendQueue(ctx, job), {
    connection,
    prefix,
    concurrency: ctx.config.worker.concurrency,
    ...LOCKS,
  });
  sendWorker.on('failed', (job, error) => ctx.logger.error({ err: error, jobId: job?.id }, 'dispatch job failed'));
  sendWorker.on('error', (error) => ctx.logger.error({ err: error }, 'send worker error'));
  // Every process runs an admitter; only the one holding the lease admits.
  const admitter = options.dispatch === false ? undefined : new Admitter(ctx);
  admitter?.start();

  const workers: Worker[] = [sendWorker];
  // Callbacks have their own queue and worker, so a slow or dead endpoint holds only callback
  // slots, never a send. IO-bound: many in flight per process.
  if (options.callbacks !== false) {
    const callbackWorker = new Worker<CallbackJob>(
      QUEUE_NAMES.callbacks,
      (job, token) => {
        if (job.name !== CALLBACK_JOB) throw new UnrecoverableError(`unknown callbacks job "${job.name}"`);
        return deliverCallbacks(ctx, job, token);
      },
      { connection, prefix, concurrency: ctx.config.callbacks.concurrency, ...LOCKS },
    );
    callbackWorker.on('failed', (job, error) =>
      ctx.logger.warn({ err: error, jobId: job?.id }, 'callback job failed (the sweeper enqueues its delivery again)'),
    );
    callbackWorker.on('error', (error) => ctx.logger.error({ err: error }, 'callback worker error'));
    workers.push(callbackWorker);
  }
  let keeper: ScheduleKeeper | undefined;
  if (options.sweep !== false) {
    const schedules = new ScheduleKeeper(ctx);
    keeper = schedules;
    await schedules.start();
    // Two at a time, so a slow template sync (Meta answering slowly) never holds up the sweep.
    const maintenanceWorker = new Worker<MaintenanceJob>(
      QUEUE_NAMES.maintenance,
      (job) => runMaintenance(ctx, job, schedules),
      { connection, prefix, concurrency: 2, ...LOCKS },
    );
    maintenanceWorker.on('error', (error) => ctx.logger.error({ err: error }, 'maintenance worker error'));
    workers.push(maintenanceWorker);
  }

  return {
    ...(keeper ? { assertSweeping: keeper.assertSweeping.bind(keeper) } : {}),
    // Stop taking jobs, let in-flight sends finish; past the deadline, stop anyway (BullMQ
    // returns unfinished jobs to the queue through stalled-job recovery).
    async close(deadlineMs = 30_000) {
      await keeper?.stop();
      await admitter?.stop();
      // Then the callback attempts that outlived their jobs (they end by their own timeouts), so each is recorded.
      const graceful = Promise.all(workers.map((w) => w.close())).then(() => ctx.lateAttempts.drain());
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), deadlineMs).unref());
      if ((await Promise.race([graceful, timer])) === 'timeout') {
        ctx.logger.warn('in-flight sends did not finish before the deadline; forcing close');
        await Promise.all(workers.map((w) => w.close(true)));
        // Cut the callback attempts still open: each is recorded as a failed attempt and retried,
        // rather than left to its claim's lapse and sent again a minute later.
        ctx.outbound.close();
        await ctx.lateAttempts.drain();
      }
    },
  };
}

async function runSendQueue(ctx: WorkerContext, job: Job<DispatchJob>): Promise<string> {
  if (job.name === DISPATCH_JOB) return processDispatch(ctx, job);
  if (job.name === LEGACY_SEND_JOB) return 'a send job from before dispatch: its message is admitted from Postgres';
  // A job from another version of Dak sharing the queue: never retried.
  throw new UnrecoverableError(`unknown send-queue job "${job.name}"`);
}

async function runMaintenance(ctx: WorkerContext, job: Job<MaintenanceJob>, keeper: ScheduleKeeper): Promise<unknown> {
  switch (job.name) {
    case MAINTENANCE_JOBS.sweep: {
      const result = await sweep(ctx);
      await keeper.recordSweep();
      return result;
    }
    case MAINTENANCE_JOBS.templateSync:
      return syncAllTemplates(ctx);
    case MAINTENANCE_JOBS.messagingTierSync:
      return syncAllMessagingTiers(ctx);
    case MAINTENANCE_JOBS.retention:
      return pruneExpired(ctx);
    case MAINTENANCE_JOBS.lowBalance:
      return checkLowBalance(ctx);
    default:
      // A job from another version of Dak sharing the queue: never retried.
      throw new UnrecoverableError(`unknown maintenance job "${job.name}"`);
  }
}
