// Scenario 7: pacing as Meta sees it. One number at 80 mps and one at 1,000 mps (in Dak and in
// meta-sim, whose default 10 % tolerance decides 130429), 4 worker processes, both numbers
// given a backlog longer than the measurement and sending at once. From meta-sim's send log
// (the time of each accepted send): sends in every 10 s window sliding by 1 s over the measured
// period, against the configured rate, and the 130429 answers each number got.
// Baseline: the configured rate itself.
import type { BenchTarget } from './env';
import { startProcessBench, type ProcessBench } from './process-stack';
import { ORDER_UPDATE, queueBatches } from './queue-batches';
import type { ResultRow } from './report';

export interface PacingSizes {
  rates: number[];
  workers: number;
  /** Length of the measured period; 10 s windows slide by 1 s across it. */
  seconds: number;
  /** After the backlog is queued, before the period starts. */
  warmupSeconds: number;
}

const SCENARIO = '8 pacing';
const WINDOW_MS = 10_000;
const STEP_MS = 1_000;
/** Backlog beyond the warm-up and the measured period, so no number runs dry inside it. */
const SPARE_SECONDS = 10;
/** Each number's messages get recipients (and variables) of their own range. */
const RECIPIENTS_PER_NUMBER = 10_000_000;

/** GET /_sim/phone-numbers/:id/sends */
interface NumberSends {
  accepted_at_ms: number[];
  refused: Record<string, number>;
}

/** Sends in each 10 s window starting every second of [from, to − 10 s]. */
export function windowCounts(stamps: number[], from: number, to: number): number[] {
  const counts: number[] = [];
  for (let start = from; start + WINDOW_MS <= to; start += STEP_MS) {
    counts.push(stamps.filter((at) => at >= start && at < start + WINDOW_MS).length);
  }
  return counts;
}

/**
 * Queues messages on the n-th number until `count` of them are waiting: the number sends while
 * the rest is queued, so what it sent meanwhile is queued again (a few rounds at most).
 */
async function queueBacklog(bench: ProcessBench, n: number, count: number): Promise<void> {
  const phoneNumber = bench.phoneNumbers[n]!;
  let offset = n * RECIPIENTS_PER_NUMBER;
  for (let round = 0; round < 5; round += 1) {
    const waiting = (await bench.countByStatus(phoneNumber)).queued ?? 0;
    if (waiting >= count) return;
    await queueBatches(bench, { template: ORDER_UPDATE, phoneNumber, count: count - waiting, offset, concurrency: 1 });
    offset += count - waiting;
  }
}

const signed = (percent: number) => `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(1)} %`;

export async function benchPacing(target: BenchTarget, sizes: PacingSizes): Promise<ResultRow[]> {
  const bench = await startProcessBench(target, { workers: sizes.workers, mps: sizes.rates });
  try {
    const queueStarted = Date.now();
    await Promise.all(
      sizes.rates.map((rate, n) =>
        queueBacklog(bench, n, rate * (sizes.warmupSeconds + sizes.seconds + SPARE_SECONDS)),
      ),
    );
    const queueSeconds = (Date.now() - queueStarted) / 1_000;
    const from = Date.now() + sizes.warmupSeconds * 1_000;
    const to = from + sizes.seconds * 1_000;
    await new Promise((resolve) => setTimeout(resolve, to - Date.now()));
    const left = await Promise.all(bench.phoneNumbers.map(async (id) => (await bench.countByStatus(id)).queued ?? 0));
    await new Promise((resolve) => setTimeout(resolve, 500)); // answers still in flight at `to`
    const rows: ResultRow[] = [];
    for (const [n, rate] of sizes.rates.entries()) {
      const log = await bench.sim<NumberSends>('GET', `/phone-numbers/${bench.phoneNumbers[n]!}/sends`);
      const inPeriod = log.accepted_at_ms.filter((at) => at >= from && at < to);
      const deviations = windowCounts(log.accepted_at_ms, from, to).map(
        (count) => ((count / (WINDOW_MS / 1_000) - rate) / rate) * 100,
      );
      const worst = deviations.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
      const perSecond = inPeriod.length / sizes.seconds;
      const answers = Object.entries({ '130429': 0, ...log.refused }).map(([code, count]) => [`Meta ${code}`, count]);
      const what = `Dak, number ${n + 1} at ${rate} mps: sends accepted by meta-sim, worker ×${sizes.workers}`;
      rows.push(
        {
          scenario: SCENARIO,
          what,
          unit: 'msg',
          figures: {
            count: inPeriod.length,
            seconds: sizes.seconds,
            perSecond,
            cpuMicrosPerOp: Number.NaN,
            outcomes: { ...Object.fromEntries(answers), 'still queued at the end': left[n]! },
          },
          figure: {
            text: `${perSecond.toFixed(1)} msg/s, worst 10 s window ${signed(worst)}`,
            value: perSecond,
          },
          note: `${deviations.length} windows of 10 s, ${signed(Math.min(...deviations))} … ${signed(Math.max(...deviations))} of ${rate}/s (target ±2 %, zero 130429); ${log.accepted_at_ms.length} sends accepted in all, from posting the first batch (the backlog took ${queueSeconds.toFixed(1)} s to queue) by the end`,
        },
        {
          scenario: SCENARIO,
          what: `the configured rate, ${rate} mps`,
          unit: 'msg',
          figures: {
            count: rate * sizes.seconds,
            seconds: sizes.seconds,
            perSecond: rate,
            cpuMicrosPerOp: Number.NaN,
            outcomes: {},
          },
          baselineFor: what,
        },
      );
    }
    return rows;
  } finally {
    await bench.close();
  }
}
