import { Queue, Worker, type Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createRedis,
  retryBackoff,
  retryDelay,
  retryJobOptions,
  SEND_RETRY,
  sendJobOptions,
  type RetryPolicy,
} from '@dak/queue';
import { testRedisUrl, uniquePrefix, waitFor } from '@dak/dev-env';

// The send worker's retries follow SEND_RETRY: BullMQ asks the worker's strategy for every
// delay only because the job options name a type it does not know itself.
describe('the retry policy, on a real Redis', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  /**
   * A queue and a worker set up like the send worker (the policy's backoff), whose jobs always
   * fail: when each try started, and the delay BullMQ gave each retry.
   */
  async function failingJob(policy: RetryPolicy) {
    const connection = createRedis(testRedisUrl(), 'worker');
    const prefix = uniquePrefix('dak-retry');
    const queue = new Queue('send', { connection, prefix });
    const starts: number[] = [];
    const delays: number[] = [];
    let failed = false;
    const worker = new Worker(
      'send',
      async () => {
        starts.push(Date.now());
        throw new Error('transient');
      },
      { connection, prefix, settings: { backoffStrategy: retryBackoff(policy) } },
    );
    worker.on('failed', (job: Job | undefined) => {
      if (!job) return;
      if (job.attemptsMade >= policy.attempts) failed = true;
      else delays.push(job.delay);
    });
    closers.push(
      () => connection.quit(),
      () => queue.obliterate({ force: true }).then(() => queue.close()),
      () => worker.close(),
    );
    return { queue, starts, delays, done: () => failed };
  }

  it("the send jobs' options make BullMQ ask the worker's strategy", () => {
    expect(sendJobOptions('msg_x')).toMatchObject(retryJobOptions(SEND_RETRY));
    expect(retryJobOptions(SEND_RETRY).backoff).toEqual({ type: 'custom' });
    // 1 s doubling, capped at a minute: the seventh retry waits 60 s, not 64 s.
    expect(Array.from({ length: SEND_RETRY.attempts - 1 }, (_, i) => retryDelay(SEND_RETRY, i + 1))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000,
    ]);
  });

  it('a retried send job is delayed as SEND_RETRY says, capped at a minute, and fails after its last try', async () => {
    // Each retry is read from Redis (the delay BullMQ stored with the delayed job), then
    // promoted at once so the test need not wait a minute and more.
    const { queue, done } = await failingJob(SEND_RETRY);
    await queue.add(
      'send',
      { messageId: 'msg_retried', phoneNumberId: 'pn_x' },
      { ...sendJobOptions('msg_retried'), removeOnFail: false },
    );
    const stored: number[] = [];
    await waitFor(
      async () => {
        // Read once it is delayed: it stays so until promoted, so the job read is the delayed one.
        if ((await queue.getJobState('msg_retried')) === 'delayed') {
          const job = await queue.getJob('msg_retried');
          stored.push(job!.delay);
          await job!.promote();
        }
        return done() || undefined;
      },
      { what: 'the last try', timeoutMs: 20_000, intervalMs: 20 },
    );
    expect(stored).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000]);
    expect(await (await queue.getJob('msg_retried'))?.getState()).toBe('failed');
  });

  it('BullMQ waits the delay the policy gives before each retry, and no longer than its cap', async () => {
    const policy: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 400 };
    const { queue, starts, delays, done } = await failingJob(policy);
    await queue.add('job', {}, retryJobOptions(policy));
    await waitFor(async () => done() || undefined, { what: 'the last try', timeoutMs: 15_000 });
    expect(delays).toEqual([200, 400, 400, 400]);
    const waits = starts.slice(1).map((start, i) => start - starts[i]!);
    // Each wait is at least the delay, and well short of what uncapped doubling would wait (800 ms, 1,600 ms).
    waits.forEach((wait, i) => {
      const delay = retryDelay(policy, i + 1);
      expect(wait).toBeGreaterThanOrEqual(delay - 5);
      expect(wait).toBeLessThan(delay + 350);
    });
  });
});
