// Scenario 6: end to end as users run it. Dak's four apps as production processes; one account
// with 10 numbers at 1,000 mps (in Dak and in meta-sim); the messages are posted with
// send-batch, spread over the numbers, while the worker sends them and meta-sim's status
// webhooks (10/20/30 ms) reach the receiver. The clock runs from posting the first batch until
// every message is `read` in Postgres (counts polled by status).
// Baseline in the same run: meta-sim alone taking the same number of sends from a raw client
// with the worker's concurrency (workers × WORKER_CONCURRENCY), its throughput limit lifted so
// the figure is its own acceptance rate, not 130429 answers.
import { WORKER_CONCURRENCY, type BenchTarget } from './env';
import { waitUntil, type RunFigures } from './load';
import { metaSimAlone } from './meta-sim-alone';
import { startProcessBench } from './process-stack';
import { ORDER_UPDATE, queueBatches } from './queue-batches';
import type { ResultRow } from './report';

export interface EndToEndSizes {
  messages: number;
  numbers: number;
  mps: number;
  workers: number;
  perBatch: number;
  timeoutMs: number;
}

const SCENARIO = '7 end to end';

export async function benchEndToEnd(target: BenchTarget, sizes: EndToEndSizes): Promise<ResultRow[]> {
  const bench = await startProcessBench(target, {
    workers: sizes.workers,
    mps: Array.from({ length: sizes.numbers }, () => sizes.mps),
  });
  try {
    const { stack, phoneNumbers } = bench;
    const share = (n: number) => Math.floor((n * sizes.messages) / sizes.numbers);
    const cpuBefore = Object.fromEntries(stack.all().map((p) => [p.name, p.cpuSeconds()]));
    const started = performance.now();
    // One campaign per number, posted together: each number's batches carry its share.
    await Promise.all(
      phoneNumbers.map((phoneNumber, n) =>
        queueBatches(bench, {
          template: ORDER_UPDATE,
          phoneNumber,
          count: share(n + 1) - share(n),
          offset: share(n),
          perRequest: sizes.perBatch,
          concurrency: 1,
        }),
      ),
    );
    const acceptSeconds = (performance.now() - started) / 1_000;
    let counts: Record<string, number> = {};
    // When the last message left the queue (Meta took it), to tell sending from applying statuses.
    let sentSeconds: number | undefined;
    const allRead = await waitUntil(
      async () => {
        counts = await bench.countByStatus();
        if (sentSeconds === undefined && (counts.queued ?? 0) + (counts.sending ?? 0) === 0)
          sentSeconds = (performance.now() - started) / 1_000;
        return (counts.read ?? 0) >= sizes.messages;
      },
      sizes.timeoutMs,
      100,
    );
    const seconds = (performance.now() - started) / 1_000;
    const cpu = stack.all().reduce((sum, p) => sum + p.cpuSeconds() - (cpuBefore[p.name] ?? 0), 0);
    const read = counts.read ?? 0;
    const dak: RunFigures = {
      count: read,
      seconds,
      perSecond: read / seconds,
      cpuMicrosPerOp: (cpu * 1e6) / Math.max(1, read),
      outcomes: { ...counts, ...(allRead ? {} : { [`timed out after ${sizes.timeoutMs / 1_000} s`]: 1 }) },
    };

    // Meta-sim's own rate: the same sends, no throughput limit in the way.
    for (const id of phoneNumbers) await bench.sim('PATCH', `/phone-numbers/${id}`, { mps: 100_000 });
    const concurrency = sizes.workers * WORKER_CONCURRENCY;
    const simCpuBefore = stack.metaSim.cpuSeconds();
    const sim = await metaSimAlone(stack.metaSimUrl, bench.accessToken, phoneNumbers, {
      count: sizes.messages,
      concurrency,
    });
    sim.cpuMicrosPerOp = ((stack.metaSim.cpuSeconds() - simCpuBefore) * 1e6) / sizes.messages;

    const build = stack.compiled ? 'compiled build' : 'tsx (run pnpm build for the compiled build)';
    const what = `Dak: ${sizes.messages} via send-batch over ${sizes.numbers} numbers at ${sizes.mps} mps → read applied, worker ×${sizes.workers} (${build})`;
    return [
      {
        scenario: SCENARIO,
        what,
        unit: 'msg',
        figures: dak,
        note: `target ≥ 2,000 msg/s and ≥ 0.50 of meta-sim's rate; the batches were accepted in ${acceptSeconds.toFixed(1)} s, all sent to Meta by ${sentSeconds?.toFixed(1) ?? '(not within the timeout)'} s; CPU µs/unit: every Dak process and meta-sim`,
      },
      {
        scenario: SCENARIO,
        what: `meta-sim alone taking the same sends, ${concurrency} in flight`,
        unit: 'msg',
        figures: sim,
        baselineFor: what,
        note: "CPU µs/unit: meta-sim's process",
      },
    ];
  } finally {
    await bench.close();
  }
}
