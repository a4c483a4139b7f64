import { randomUUID } from 'node:crypto';
import { admitMessages, ratesOf, sendersWithBacklog, type Admitted } from '@dak/db';
import { DISPATCH_JOB, dispatchJobOptions, type DispatchJob, type SenderPace } from '@dak/queue';
import type { WorkerContext } from '../context';

/** A dispatch job covers this much of a number's schedule (and at least one send). */
const JOB_SPAN_MS = 100;
/** A job is due this long before its first slot, so its worker is ready on time. */
const EARLY_MS = 20;
/** How long the lease of the one admitting worker lasts; another takes over within this. */
const LEASE_MS = 3_000;
/**
 * Past this many due jobs not yet taken by a worker, the workers are behind: admitting more
 * would only make the sends late, so admission waits a tick.
 */
const MAX_DUE_JOBS = 200;

export interface Admission {
  admitted: number;
  jobs: number;
}

/**
 * Admits sends from Postgres (the outbox) to Redis at each number's pace. Every tick, the worker
 * holding the lease asks Postgres which numbers have queued messages, and for each takes what it
 * can send before now + window: the count its rate allows from its next free slot, most urgent
 * lane first and FIFO within a lane. Each taken message gets its slot (one every 1/rate s), and
 * consecutive slots become dispatch jobs due just before their first slot. So Redis holds at
 * most a window of sends per number however long the backlog, an authentication message
 * accepted behind any marketing backlog goes out within a window and a tick, a number's rate
 * change (read every tick) applies from the next window, and one number's backlog never takes
 * another's slots.
 */
export class Admitter {
  private readonly holder = randomUUID();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: WorkerContext) {}

  start(): void {
    const { tickMs } = this.ctx.config.dispatch;
    this.timer = setInterval(() => {
      this.running = this.running.then(() =>
        this.tick().catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'dispatch tick failed')),
      );
    }, tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One admission, if this worker holds the lease. */
  async tick(now = Date.now()): Promise<Admission> {
    const { ctx } = this;
    if (!(await ctx.dispatch.lead(this.holder, LEASE_MS))) return { admitted: 0, jobs: 0 };
    const senders = await sendersWithBacklog(ctx.db);
    if (senders.length === 0) return { admitted: 0, jobs: 0 };
    if ((await ctx.queues.send.getWaitingCount()) > MAX_DUE_JOBS) return { admitted: 0, jobs: 0 };

    const [rates, paces] = await Promise.all([ratesOf(ctx.db, senders), ctx.dispatch.paces(senders)]);
    const { windowMs, rateShare } = ctx.config.dispatch;
    const plans = new Map<string, { start: number; interval: number }>();
    const quotas = [];
    for (const senderId of senders) {
      const mps = rates.get(senderId);
      if (!mps) continue;
      const plan = planFor(paces.get(senderId), mps * rateShare, now);
      const count = Math.ceil((now + windowMs - plan.start) / plan.interval);
      if (count <= 0) continue;
      plans.set(senderId, plan);
      quotas.push({ senderId, count });
    }
    const admitted = await admitMessages(ctx.db, quotas, ctx.config.worker.sweepGraceMs, new Date(now));
    const { jobs, nextSlots } = dispatchJobs(admitted, plans);
    if (jobs.length > 0) {
      await ctx.queues.send.addBulk(
        jobs.map((job) => ({
          name: DISPATCH_JOB,
          data: job,
          opts: { ...dispatchJobOptions, delay: Math.max(0, job.sends[0]![1] - EARLY_MS - Date.now()) },
        })),
      );
    }
    await ctx.dispatch.setNextSlots(nextSlots, now);
    ctx.metrics.admitted.inc(admitted.length);
    return { admitted: admitted.length, jobs: jobs.length };
  }
}

/** Where a number's next slots start and how far apart they are. */
function planFor(pace: SenderPace | undefined, rate: number, now: number) {
  const effective = rate * (pace?.rateFactor ?? 1);
  // Never before the number's timeline ends: when its jobs run late, admission waits for them
  // instead of queueing more behind them.
  const start = Math.max(now, pace?.nextSlot ?? 0, pace?.pausedUntil ?? 0, pace?.tail ?? 0);
  return { start, interval: 1000 / effective };
}

/** The admitted messages on their slots, cut into jobs of JOB_SPAN_MS; and each number's next free slot. */
export function dispatchJobs(admitted: Admitted[], plans: Map<string, { start: number; interval: number }>) {
  const jobs: DispatchJob[] = [];
  const nextSlots = new Map<string, number>();
  let current: DispatchJob | undefined;
  for (const message of admitted) {
    const plan = plans.get(message.sender_id)!;
    const slot = nextSlots.get(message.sender_id) ?? plan.start;
    nextSlots.set(message.sender_id, slot + plan.interval);
    if (!current || current.senderId !== message.sender_id || slot - current.sends[0]![1] >= JOB_SPAN_MS) {
      current = { senderId: message.sender_id, sends: [], interval: plan.interval };
      jobs.push(current);
    }
    current.sends.push([message.id, Math.round(slot)]);
  }
  return { jobs, nextSlots };
}
