import { MAINTENANCE_JOBS } from '@dak/queue';
import type { WorkerContext } from './context';
import { LOW_BALANCE_INTERVAL_MS } from './low-balance';
import { RETENTION_INTERVAL_MS } from './retention';
import { sweep } from './sweeper';

/** A periodic maintenance job, run once per interval across all workers by a BullMQ job scheduler. */
export interface ScheduledJob {
  /** The scheduler's id in Redis. */
  id: string;
  name: string;
  everyMs: number;
}

/** Every periodic job this configuration runs; one turned off (interval 0) is listed in `off`. */
export function maintenanceSchedules(config: WorkerContext['config']): { on: ScheduledJob[]; off: string[] } {
  const all: ScheduledJob[] = [
    { id: 'sweep', name: MAINTENANCE_JOBS.sweep, everyMs: config.worker.sweepIntervalMs },
    { id: 'template-sync', name: MAINTENANCE_JOBS.templateSync, everyMs: config.templateSync.intervalMs },
    {
      id: 'messaging-tier-sync',
      name: MAINTENANCE_JOBS.messagingTierSync,
      everyMs: config.messagingTierSync.intervalMs,
    },
    { id: 'retention', name: MAINTENANCE_JOBS.retention, everyMs: RETENTION_INTERVAL_MS },
    { id: 'low-balance', name: MAINTENANCE_JOBS.lowBalance, everyMs: LOW_BALANCE_INTERVAL_MS },
  ];
  return { on: all.filter((s) => s.everyMs > 0), off: all.filter((s) => s.everyMs <= 0).map((s) => s.id) };
}

/**
 * Past this many intervals (and at least OVERDUE_MIN_MS) without a sweep, a worker runs one
 * itself and re-creates the schedules; a loaded machine delays a scheduled job by a second or
 * two, which is not yet a lost schedule.
 */
const OVERDUE_INTERVALS = 4;
const OVERDUE_MIN_MS = 5_000;
/** Past this many (and at least STALE_MIN_MS), the worker's /readyz fails: queued messages are not being looked after. */
const STALE_INTERVALS = 6;
const STALE_MIN_MS = 15_000;

/**
 * Keeps the schedules alive. They live in Redis, so a Redis that restarts without its data
 * (or a flush) loses them, and with them the sweeper that re-enqueues what Redis lost. Each
 * worker therefore checks every sweep interval (and on every reconnect) that each scheduler
 * exists and re-creates a missing one; and it watches when the sweep last ran anywhere (a
 * timestamp in Redis, set by whichever worker ran it): if the sweep is overdue although its
 * scheduler exists (its next job was lost), the worker sweeps itself. Two sweeps at once are
 * safe: each step is one conditional UPDATE, and re-enqueueing uses the message id as job id.
 */
export class ScheduleKeeper {
  private readonly schedules: { on: ScheduledJob[]; off: string[] };
  private readonly intervalMs: number;
  private readonly overdueMs: number;
  private readonly staleMs: number;
  private readonly lastRunKey: string;
  private readonly startedAt = Date.now();
  /** When a sweep last finished, as far as this worker knows (Redis may have forgotten). */
  private lastSweepAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly onReady = () =>
    void this.ensureSchedules().catch((error: unknown) =>
      this.ctx.logger.warn({ err: error }, 'could not re-create the maintenance schedules after reconnecting'),
    );

  constructor(private readonly ctx: WorkerContext) {
    this.schedules = maintenanceSchedules(ctx.config);
    this.intervalMs = ctx.config.worker.sweepIntervalMs;
    this.overdueMs = Math.max(this.intervalMs * OVERDUE_INTERVALS, OVERDUE_MIN_MS);
    this.staleMs = Math.max(this.intervalMs * STALE_INTERVALS, STALE_MIN_MS);
    this.lastRunKey = `${ctx.config.redis.prefix}:sweeper:last-run`;
  }

  /** Creates (or updates) every schedule, then checks on them every sweep interval. */
  async start(): Promise<void> {
    for (const schedule of this.schedules.on) await this.upsert(schedule);
    for (const id of this.schedules.off) await this.ctx.queues.maintenance.removeJobScheduler(id);
    this.ctx.redis.on('ready', this.onReady);
    this.timer = setInterval(
      () => {
        this.checking ??= this.check().finally(() => (this.checking = undefined));
      },
      Math.max(this.intervalMs, 250),
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.ctx.redis.off('ready', this.onReady);
    await this.checking;
  }

  /** Records a finished sweep: for this worker's readiness, the metric, and every other worker. */
  async recordSweep(at = Date.now()): Promise<void> {
    this.noteSweep(at);
    await this.ctx.redis.set(this.lastRunKey, String(at), 'PX', this.staleMs * 10);
  }

  /** For /readyz: throws when no sweep has finished for several intervals. */
  assertSweeping(now = Date.now()): void {
    const since = this.lastSweepAt ?? this.startedAt;
    if (now - since > this.staleMs) {
      const last = this.lastSweepAt ? new Date(this.lastSweepAt).toISOString() : 'never since this worker started';
      throw new Error(`the sweeper has not run for ${Math.round((now - since) / 1000)} s (last run: ${last})`);
    }
  }

  private noteSweep(at: number): void {
    if (this.lastSweepAt !== undefined && at <= this.lastSweepAt) return;
    const late = this.lastSweepAt !== undefined && at - this.lastSweepAt > this.overdueMs;
    if (late) this.ctx.logger.info({ lastRunAt: new Date(this.lastSweepAt!).toISOString() }, 'sweeper running again');
    this.lastSweepAt = at;
    this.ctx.metrics.sweepLastRun.set(at / 1000);
  }

  private async check(): Promise<void> {
    try {
      const seen = Number(await this.ctx.redis.get(this.lastRunKey));
      if (seen > 0) this.noteSweep(seen);
      await this.ensureSchedules();
      const since = this.lastSweepAt ?? this.startedAt;
      if (Date.now() - since > this.overdueMs) {
        this.ctx.logger.warn(
          { lastRunAt: this.lastSweepAt ? new Date(this.lastSweepAt).toISOString() : null },
          'the sweeper is overdue (its next job was lost?); sweeping here and re-creating its schedule',
        );
        for (const schedule of this.schedules.on) await this.upsert(schedule);
        await sweep(this.ctx);
        await this.recordSweep();
      }
    } catch (error) {
      this.ctx.logger.warn({ err: error }, 'checking the maintenance schedules failed; will retry');
    }
  }

  /** Re-creates any schedule Redis no longer has. */
  private async ensureSchedules(): Promise<void> {
    for (const schedule of this.schedules.on) {
      if (await this.ctx.queues.maintenance.getJobScheduler(schedule.id)) continue;
      this.ctx.logger.warn(
        { schedule: schedule.id },
        'maintenance schedule missing from Redis (restarted without its data?); re-creating it',
      );
      await this.upsert(schedule);
    }
  }

  private async upsert(schedule: ScheduledJob): Promise<void> {
    await this.ctx.queues.maintenance.upsertJobScheduler(
      schedule.id,
      { every: schedule.everyMs },
      { name: schedule.name, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }
}
