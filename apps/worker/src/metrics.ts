import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface WorkerMetrics {
  sends: Counter<'outcome'>;
  metaLatency: Histogram<'outcome'>;
  swept: Counter<'reason'>;
  sweepLastRun: Gauge;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  return {
    sends: new Counter({
      name: 'dak_worker_sends_total',
      help: 'Send attempts by outcome (accepted, rejected, retried, deferred, unknown, skipped, refused: the job named another number than its message)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    metaLatency: new Histogram({
      name: 'dak_worker_meta_request_seconds',
      help: 'Time for the Cloud API to answer a send',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [registry],
    }),
    swept: new Counter({
      name: 'dak_worker_swept_total',
      help: 'Messages the sweeper re-enqueued or expired',
      labelNames: ['reason'],
      registers: [registry],
    }),
    sweepLastRun: new Gauge({
      name: 'dak_worker_sweep_last_run_timestamp_seconds',
      help: 'When a sweep last finished (by any worker, as this one last saw it), Unix seconds',
      registers: [registry],
    }),
  };
}
