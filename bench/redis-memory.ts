// Scenario 9: Redis memory against the backlog. Dak's processes on a Redis of their own (a
// `redis-server` started here when one is installed, so nobody else's keys count), one number
// at 1 mps so what is queued stays queued, the worker running. Redis's `used_memory` (INFO
// memory, read once it has settled) with the stack idle, then with `counts[0]` messages queued
// through send-batch, then with `counts[1]`: bounded if the two are close, linear if the growth
// scales with the backlog.
// Baseline: the empty stack's own memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, redisAnswers } from '@dak/dev-env';
import { Redis } from './deps';
import type { BenchTarget } from './env';
import { waitUntil } from './load';
import { startProcessBench } from './process-stack';
import { ORDER_UPDATE, queueBatches } from './queue-batches';
import type { ResultRow } from './report';

export interface RedisMemorySizes {
  counts: number[];
  workers: number;
  mps: number;
}

const SCENARIO = '10 Redis memory';
const SETTLE_MS = 20_000;

interface OwnRedis {
  url: string;
  own: boolean;
  stop(): Promise<void>;
}

/** A fresh redis-server on a free port, without persistence; the target's Redis when none is installed. */
async function ownRedis(target: BenchTarget): Promise<OwnRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const failed = new Promise<boolean>((resolve) => child.once('error', () => resolve(true)));
  const url = `redis://127.0.0.1:${port}`;
  const up = await Promise.race([failed.then(() => false), waitUntil(() => redisAnswers(url), 5_000, 50)]);
  if (!up) {
    child.kill('SIGKILL');
    return { url: target.redisUrl, own: false, stop: async () => undefined };
  }
  return {
    url,
    own: true,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function usedMemory(redis: InstanceType<typeof Redis>): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}

/** used_memory once two readings half a second apart differ by less than 1 % (at most SETTLE_MS). */
async function settledMemory(redis: InstanceType<typeof Redis>): Promise<number> {
  let last = await usedMemory(redis);
  await waitUntil(
    async () => {
      const now = await usedMemory(redis);
      const settled = Math.abs(now - last) < last * 0.01;
      last = now;
      return settled;
    },
    SETTLE_MS,
    500,
  );
  return last;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function benchRedisMemory(target: BenchTarget, sizes: RedisMemorySizes): Promise<ResultRow[]> {
  const server = await ownRedis(target);
  const redis = new Redis(server.url);
  try {
    const bench = await startProcessBench(target, {
      workers: sizes.workers,
      mps: [sizes.mps],
      redisUrl: server.url,
    });
    try {
      const empty = await settledMemory(redis);
      const rows: ResultRow[] = [];
      let queued = 0;
      for (const count of sizes.counts) {
        const seconds = await queueBatches(bench, {
          template: ORDER_UPDATE,
          phoneNumber: bench.phoneNumbers[0]!,
          count: count - queued,
          offset: queued,
        });
        queued = count;
        const used = await settledMemory(redis);
        const stillQueued = (await bench.countByStatus()).queued ?? 0;
        const growth = used - empty;
        rows.push({
          scenario: SCENARIO,
          what: `Dak: ${count} messages queued on one number at ${sizes.mps} mps, worker ×${sizes.workers}`,
          unit: 'msg',
          figures: {
            count,
            seconds,
            perSecond: Number.NaN,
            cpuMicrosPerOp: Number.NaN,
            outcomes: { 'still queued': stillQueued },
          },
          figure: {
            text: `${megabytes(used)} (+${megabytes(growth)}, ${(growth / count).toFixed(0)} B/msg)`,
            value: used,
          },
        });
      }
      const [first, last] = [rows[0]!, rows[rows.length - 1]!];
      const growthOf = (row: ResultRow) => row.figure!.value - empty;
      last.note = `target: bounded, not linear; growth at ${sizes.counts[sizes.counts.length - 1]} ÷ growth at ${sizes.counts[0]} = ${(growthOf(last) / growthOf(first)).toFixed(2)} (linear would be ${(sizes.counts[sizes.counts.length - 1]! / sizes.counts[0]!).toFixed(0)}); seconds: queueing that step${server.own ? '' : '; the shared Redis of REDIS_URL (no redis-server installed): other clients move the figure'}`;
      rows.push({
        scenario: SCENARIO,
        what: `the empty stack: Redis used_memory with the processes connected, nothing queued${server.own ? ' (a redis-server of its own)' : ''}`,
        unit: 'msg',
        figures: { count: 0, seconds: Number.NaN, perSecond: Number.NaN, cpuMicrosPerOp: Number.NaN, outcomes: {} },
        figure: { text: megabytes(empty), value: empty },
        baselineFor: last.what,
      });
      return rows;
    } finally {
      await bench.close();
    }
  } finally {
    redis.disconnect();
    await server.stop();
  }
}
