// Load generation on loopback: a keep-alive HTTP client lighter than fetch (the driver shares
// the event loop with Dak, so its own cost should stay small), lanes of concurrent work, and
// the figures a run yields.
import http from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

export class HttpClient {
  private readonly agent: http.Agent;

  constructor(maxSockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  post(url: string, body: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const request = http.request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface RunFigures {
  count: number;
  seconds: number;
  perSecond: number;
  /** Milliseconds per operation, when operations were timed one by one. */
  latencies?: { p50: number; p95: number; p99: number };
  /** CPU of this Node process (API, webhooks, workers, meta-sim and the driver) per operation, µs. */
  cpuMicrosPerOp: number;
  /** Outcomes by label (HTTP status, error), to show that every operation did what it should. */
  outcomes: Record<string, number>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** CPU time and wall time around a piece of work that handles `count` units (requests, messages, events). */
export async function measure(
  count: number,
  work: () => Promise<Record<string, number>>,
  latencies?: number[],
): Promise<RunFigures> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const outcomes = await work();
  const seconds = (performance.now() - started) / 1_000;
  const cpu = process.cpuUsage(cpuBefore);
  const figures: RunFigures = {
    count,
    seconds,
    perSecond: count / seconds,
    cpuMicrosPerOp: (cpu.user + cpu.system) / count,
    outcomes,
  };
  if (latencies && latencies.length > 0) {
    const sorted = [...latencies].sort((a, b) => a - b);
    figures.latencies = { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99) };
  }
  return figures;
}

/**
 * Runs `total` operations with `concurrency` in flight, each timed; returns the figures.
 * `operation` returns a label for its outcome (e.g. the HTTP status); a throw counts as "error".
 * `units` is what the rate counts when one operation carries several (50 statuses per POST).
 * With `perSecond`, operation i is due at i / perSecond whether or not earlier ones were
 * answered (an open load, as Meta sends), and its latency counts from when it was due, so time
 * spent waiting for a free lane is not hidden.
 */
export async function runLanes(
  total: number,
  concurrency: number,
  operation: (index: number) => Promise<string>,
  units = total,
  perSecond?: number,
): Promise<RunFigures> {
  const latencies: number[] = [];
  const started = performance.now();
  const dueAt = (index: number) => (perSecond ? started + (index * 1_000) / perSecond : performance.now());
  return measure(
    units,
    async () => {
      const outcomes: Record<string, number> = {};
      let next = 0;
      async function lane() {
        while (next < total) {
          const index = next++;
          const due = dueAt(index);
          if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
          let label: string;
          try {
            label = await operation(index);
          } catch (error) {
            label = `error: ${(error as Error).message}`;
          }
          latencies.push(performance.now() - due);
          outcomes[label] = (outcomes[label] ?? 0) + 1;
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
      return outcomes;
    },
    latencies,
  );
}

/** Polls `done` every few milliseconds until it holds; false if `timeoutMs` passed first. */
export async function waitUntil(
  done: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 10,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return done();
}
