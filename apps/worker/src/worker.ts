import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { MAINTENANCE_JOBS, QUEUE_NAMES, type MaintenanceJob, type SendJob } from '@dak/queue';
import type { WorkerContext } from './context';
import { processSend, RetryableSendError } from './send-processor';
import { sweep } from './sweeper';
import { pruneExpired, RETENTION_INTERVAL_MS } from './retention';
import { syncAllTemplates } from './template-sync-job';

export interface RunningWorkers {
  close(deadlineMs?: number): Promise<void>;
}

/**
 * Starts the send worker and the maintenance worker. The sweep, the template sync and the
 * retention run from BullMQ job schedulers, so however many worker processes run, each happens
 * once per interval.
 */
export async function startWorkers(ctx: WorkerContext, options: { sweep?: boolean } = {}): Promise<RunningWorkers> {
  const connection = ctx.redis;
  const prefix = ctx.config.redis.prefix;
  const sendWorker = new Worker<SendJob>(QUEUE_NAMES.send, (job, token) => processSend(ctx, job, token), {
    connection,
    prefix,
    concurrency: ctx.config.worker.concurrency,
    settings: {
      // Exponential from 1 s, capped at a minute; Meta's transient errors clear within that.
      backoffStrategy: (attemptsMade: number) => Math.min(1_000 * 2 ** Math.max(0, attemptsMade - 1), 60_000),
    },
  });
  sendWorker.on('failed', (job, error) => {
    if (!(error instanceof RetryableSendError)) ctx.logger.error({ err: error, jobId: job?.id }, 'send job failed');
  });
  sendWorker.on('error', (error) => ctx.logger.error({ err: error }, 'send worker error'));

  const workers: Worker[] = [sendWorker];
  if (options.sweep !== false) {
    await ctx.queues.maintenance.upsertJobScheduler(
      'sweep',
      { every: ctx.config.worker.sweepIntervalMs },
      { name: MAINTENANCE_JOBS.sweep, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    if (ctx.config.templateSync.intervalMs > 0) {
      await ctx.queues.maintenance.upsertJobScheduler(
        'template-sync',
        { every: ctx.config.templateSync.intervalMs },
        { name: MAINTENANCE_JOBS.templateSync, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
    } else {
      await ctx.queues.maintenance.removeJobScheduler('template-sync');
    }
    await ctx.queues.maintenance.upsertJobScheduler(
      'retention',
      { every: RETENTION_INTERVAL_MS },
      { name: MAINTENANCE_JOBS.retention, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
    // Two at a time, so a slow template sync (Meta answering slowly) never holds up the sweep.
    const maintenanceWorker = new Worker<MaintenanceJob>(
      QUEUE_NAMES.maintenance,
      (job) => runMaintenance(ctx, job),
      { connection, prefix, concurrency: 2 },
    );
    maintenanceWorker.on('error', (error) => ctx.logger.error({ err: error }, 'maintenance worker error'));
    workers.push(maintenanceWorker);
  }

  return {
    // Stop taking jobs, let in-flight sends finish; past the deadline, stop anyway (BullMQ
    // returns unfinished jobs to the queue through stalled-job recovery).
    async close(deadlineMs = 30_000) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), deadlineMs).unref());
      if ((await Promise.race([graceful, timer])) === 'timeout') {
        ctx.logger.warn('in-flight sends did not finish before the deadline; forcing close');
        await Promise.all(workers.map((w) => w.close(true)));
      }
    },
  };
}

async function runMaintenance(ctx: WorkerContext, job: Job<MaintenanceJob>): Promise<unknown> {
  switch (job.name) {
    case MAINTENANCE_JOBS.sweep:
      return sweep(ctx);
    case MAINTENANCE_JOBS.templateSync:
      return syncAllTemplates(ctx);
    case MAINTENANCE_JOBS.retention:
      return pruneExpired(ctx);
    default:
      // A job from another version of Dak sharing the queue: never retried.
      throw new UnrecoverableError(`unknown maintenance job "${job.name}"`);
  }
}
