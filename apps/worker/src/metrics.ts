import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface WorkerMetrics {
  sends: Counter<'outcome'>;
  admitted: Counter;
  jobLateness: Histogram;
  metaLatency: Histogram<'outcome'>;
  swept: Counter<'reason'>;
  sweepLastRun: Gauge;
  callbackAttempts: Counter<'outcome'>;
  callbackLatency: Histogram;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  return {
    sends: new Counter({
      name: 'dak_worker_sends_total',
      help: 'Send attempts by outcome (accepted, rejected, retried, deferred, unknown, skipped: not claimable any more)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    admitted: new Counter({
      name: 'dak_worker_admitted_total',
      help: 'Messages the dispatcher admitted from Postgres into dispatch jobs',
      registers: [registry],
    }),
    jobLateness: new Histogram({
      name: 'dak_worker_dispatch_job_lateness_seconds',
      help: "How much later than its slots a dispatch job sent (it started late, or its number's previous job had not ended)",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
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
      help: 'Messages the sweeper gave back to be sent again after a lost answer (stale_claim) or expired',
      labelNames: ['reason'],
      registers: [registry],
    }),
    sweepLastRun: new Gauge({
      name: 'dak_worker_sweep_last_run_timestamp_seconds',
      help: 'When a sweep last finished (by any worker, as this one last saw it), Unix seconds',
      registers: [registry],
    }),
    callbackAttempts: new Counter({
      name: 'dak_worker_callback_attempts_total',
      help: 'Callback delivery attempts by outcome (delivered, retry, parked), and deliveries held back for order (waiting)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    callbackLatency: new Histogram({
      name: 'dak_worker_callback_request_seconds',
      help: "Time for a business's endpoint to answer a callback (or fail)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
