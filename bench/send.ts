// Scenario 2: how fast queued messages reach Meta. N messages are accepted first (not timed),
// then the clock starts with the workers and stops when every message is `sent` (Meta took it
// and the worker recorded the wamid and captured the hold). Baseline: a raw BullMQ Worker at the
// same concurrency whose processor does the same HTTP POST to meta-sim, with no database work.
import { buildTemplateSendBody } from '@dak/meta';
import { sql } from '@dak/db';
import type { TestStack } from '@dak/dev-env';
import { Redis, bullmq } from './deps';
import {
  TEMPLATE,
  WORKER_CONCURRENCY,
  seedQueuedMessages,
  recipient,
  startBenchEnv,
  type BenchEnv,
  type BenchTarget,
} from './env';
import { measure, waitUntil, type RunFigures } from './load';
import type { ResultRow } from './report';

export interface SendSizes {
  messages: number;
  workerCounts: number[];
  acceptConcurrency: number;
  timeoutMs: number;
}

const SCENARIO = '2 send';

type WorkerHandle = Awaited<ReturnType<TestStack['startWorker']>>;

/** The workers' send attempts by outcome (accepted by Meta, deferred by pacing, retried, …). */
async function sendOutcomes(handles: WorkerHandle[]): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  for (const handle of handles) {
    for (const value of (await handle.ctx.metrics.sends.get()).values) {
      const label = `worker ${String(value.labels.outcome)}`;
      outcomes[label] = (outcomes[label] ?? 0) + value.value;
    }
  }
  return outcomes;
}

async function dakDrain(env: BenchEnv, sizes: SendSizes, workers: number): Promise<RunFigures> {
  await seedQueuedMessages(env, sizes.messages, { concurrency: sizes.acceptConcurrency });
  const handles: WorkerHandle[] = [];
  const figures = await measure(sizes.messages, async () => {
    for (let i = 0; i < workers; i += 1) handles.push(await env.stack.startWorker());
    await waitUntil(
      async () => ((await sendOutcomes(handles))['worker accepted'] ?? 0) >= sizes.messages,
      sizes.timeoutMs,
    );
    return sendOutcomes(handles);
  });
  const byStatus = await sql<{
    status: string;
    count: number;
  }>`select status, count(*)::int as count from messages group by status`.execute(env.stack.api.ctx.db);
  for (const row of byStatus.rows) figures.outcomes[row.status] = row.count;
  return figures;
}

/** The same sends through BullMQ alone: same N, same concurrency, same HTTP POST, no Postgres. */
async function rawDrain(env: BenchEnv, sizes: SendSizes, workers: number): Promise<RunFigures> {
  const prefix = `${env.queuePrefix}-raw${workers}`;
  const graph = `${env.stack.sim.url}/${env.stack.config.meta.graphVersion}`;
  const producer = new bullmq.Queue('bench-raw-send', { connection: env.stack.api.ctx.redis, prefix });
  const connections: InstanceType<typeof Redis>[] = [];
  const running: { close(): Promise<void> }[] = [];
  try {
    await producer.addBulk(
      Array.from({ length: sizes.messages }, (_, i) => ({
        name: 'send',
        data: {
          messageId: `msg_raw_${workers}_${i}`,
          metaPhoneNumberId: env.phoneNumbers[i % env.phoneNumbers.length]!,
          index: i,
        },
        opts: {
          jobId: `msg_raw_${workers}_${i}`,
          attempts: 8,
          backoff: { type: 'exponential', delay: 1_000 },
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
    const outcomes: Record<string, number> = {};
    let done = 0;
    const figures = await measure(sizes.messages, async () => {
      for (let w = 0; w < workers; w += 1) {
        const connection = new Redis(env.stack.config.redis.url, { maxRetriesPerRequest: null });
        connections.push(connection);
        const worker = new bullmq.Worker<{ messageId: string; metaPhoneNumberId: string; index: number }>(
          'bench-raw-send',
          async (job) => {
            const { messageId, metaPhoneNumberId, index } = job.data;
            const body = buildTemplateSendBody({
              id: messageId,
              recipient: recipient(index),
              template_name: TEMPLATE.name,
              template_language: TEMPLATE.language,
              components: [
                {
                  type: 'body',
                  parameters: [
                    { type: 'text', text: `Customer ${index}` },
                    { type: 'text', text: `ORD-${index}` },
                  ],
                },
              ],
            });
            const response = await fetch(`${graph}/${metaPhoneNumberId}/messages`, {
              method: 'POST',
              headers: { authorization: `Bearer ${env.accessToken}`, 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            await response.json();
            const label = `HTTP ${response.status}`;
            outcomes[label] = (outcomes[label] ?? 0) + 1;
            done += 1;
          },
          { connection, prefix, concurrency: WORKER_CONCURRENCY },
        );
        running.push(worker);
      }
      await waitUntil(() => done >= sizes.messages, sizes.timeoutMs);
      return outcomes;
    });
    return figures;
  } finally {
    await Promise.all(running.map((w) => w.close()));
    for (const connection of connections) connection.disconnect();
    await producer.obliterate({ force: true }).catch(() => undefined);
    await producer.close();
  }
}

export async function benchSend(target: BenchTarget, sizes: SendSizes): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const workers of sizes.workerCounts) {
    const env = await startBenchEnv(target);
    try {
      const what = `Dak workers ×${workers} (concurrency ${WORKER_CONCURRENCY} each): queued → sent`;
      rows.push({ scenario: SCENARIO, what, unit: 'msg', figures: await dakDrain(env, sizes, workers) });
      rows.push({
        scenario: SCENARIO,
        what: `raw BullMQ Worker ×${workers} → meta-sim POST, no DB`,
        unit: 'msg',
        figures: await rawDrain(env, sizes, workers),
        baselineFor: what,
      });
    } finally {
      await env.close();
    }
  }
  return rows;
}
