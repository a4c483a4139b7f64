// `pnpm bench`: Dak's throughput and latency beside raw baselines measured in the same run.
// Usage: pnpm bench [--quick] [--scenarios 1,2,3]
// Loopback only; everything runs in this process against local Postgres and Redis (or
// DATABASE_URL / REDIS_URL), each scenario on a fresh database that is dropped at the end.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { benchAccept, type AcceptSizes } from './accept';
import { benchTarget } from './env';
import { formatTable, ratioOf, type ResultRow } from './report';
import { benchSend, type SendSizes } from './send';
import { benchWebhooks, type WebhookSizes } from './webhooks';
import { benchFullStack, type FullStackSizes } from './full-stack';
import { benchBatch, type BatchSizes } from './batch';
import { benchStatuses, type StatusesSizes } from './statuses';
import { benchEndToEnd, type EndToEndSizes } from './end-to-end';
import { benchPacing, type PacingSizes } from './pacing';
import { benchOtp, type OtpSizes } from './otp';
import { benchRedisMemory, type RedisMemorySizes } from './redis-memory';
import { benchCallbacks, type CallbackSizes } from './callbacks';
import { benchCallbacksStack, type CallbackStackSizes } from './callbacks-stack';
import { benchConversationCosts, type ConversationCostSizes } from './conversation-costs';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenarios: { type: 'string', default: '1,2,3,4,5,6,7,8,9,10,11,12,13' },
  },
});

interface Sizes {
  accept: AcceptSizes;
  send: SendSizes;
  webhooks: WebhookSizes;
  fullStack: FullStackSizes;
  batch: BatchSizes;
  statuses: StatusesSizes;
  endToEnd: EndToEndSizes;
  pacing: PacingSizes;
  otp: OtpSizes;
  redisMemory: RedisMemorySizes;
  callbacks: CallbackSizes;
  callbacksStack: CallbackStackSizes;
  conversationCosts: ConversationCostSizes;
}

const SIZES: Record<'full' | 'quick', Sizes> = {
  full: {
    accept: { requests: 3_000, concurrency: 32, warmup: 200 },
    send: { messages: 2_000, workerCounts: [1, 2], acceptConcurrency: 32, timeoutMs: 60_000 },
    webhooks: { messages: 1_000, statusesPerPost: [50, 1], concurrency: 32, timeoutMs: 60_000 },
    fullStack: { requests: 10_000, warmup: 500, concurrency: 64, workers: 1, timeoutMs: 120_000 },
    batch: { batches: 40, perBatch: 1_000, concurrency: 4, listRows: 1_000_000, listRequests: 500 },
    statuses: {
      messages: 10_000,
      statusesPerPost: [100, 1],
      statusesPerSecond: 5_000,
      concurrency: 64,
      timeoutMs: 120_000,
    },
    endToEnd: { messages: 20_000, numbers: 10, mps: 1_000, workers: 1, perBatch: 1_000, timeoutMs: 180_000 },
    pacing: { rates: [80, 1_000], workers: 4, seconds: 30, warmupSeconds: 2 },
    otp: { backlog: 200_000, mps: 80, workers: 1, waitTimeoutMs: 60_000 },
    redisMemory: { counts: [20_000, 200_000], workers: 1, mps: 1 },
    callbacks: { events: 30_000, perRecord: 1_000, concurrency: 64, timeoutMs: 120_000 },
    callbacksStack: {
      messages: 5_000,
      pacedPerSecond: 200,
      pacedSeconds: 10,
      sends: 3_000,
      outageSeconds: 60,
      timeoutMs: 180_000,
    },
    conversationCosts: {
      rounds: 6,
      batchesPerRound: 8,
      perBatch: 1_000,
      concurrency: 4,
      contacts: 100_000,
      inserts: 20,
    },
  },
  quick: {
    accept: { requests: 600, concurrency: 32, warmup: 100 },
    send: { messages: 400, workerCounts: [1, 2], acceptConcurrency: 32, timeoutMs: 30_000 },
    webhooks: { messages: 200, statusesPerPost: [50, 1], concurrency: 32, timeoutMs: 30_000 },
    fullStack: { requests: 2_000, warmup: 200, concurrency: 64, workers: 1, timeoutMs: 60_000 },
    batch: { batches: 8, perBatch: 1_000, concurrency: 4, listRows: 100_000, listRequests: 200 },
    statuses: {
      messages: 2_000,
      statusesPerPost: [100, 1],
      statusesPerSecond: 5_000,
      concurrency: 64,
      timeoutMs: 60_000,
    },
    endToEnd: { messages: 4_000, numbers: 10, mps: 1_000, workers: 1, perBatch: 400, timeoutMs: 90_000 },
    pacing: { rates: [80, 1_000], workers: 4, seconds: 10, warmupSeconds: 2 },
    otp: { backlog: 20_000, mps: 80, workers: 1, waitTimeoutMs: 30_000 },
    redisMemory: { counts: [20_000, 200_000], workers: 1, mps: 1 },
    callbacks: { events: 5_000, perRecord: 1_000, concurrency: 64, timeoutMs: 60_000 },
    callbacksStack: {
      messages: 2_000,
      pacedPerSecond: 200,
      pacedSeconds: 5,
      sends: 1_500,
      outageSeconds: 15,
      timeoutMs: 90_000,
    },
    conversationCosts: {
      rounds: 3,
      batchesPerRound: 4,
      perBatch: 1_000,
      concurrency: 4,
      contacts: 20_000,
      inserts: 10,
    },
  },
};

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty =
      execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const mode = values.quick ? 'quick' : 'full';
const sizes = SIZES[mode];
const wanted = new Set(values.scenarios.split(',').map((s) => s.trim()));
const target = benchTarget();
const startedAt = new Date();
const loadBefore = load();
console.log(`Dak bench (${mode}) at ${startedAt.toISOString()}, commit ${commit()}`);
console.log(`machine: ${os.cpus().length} CPUs, load average ${loadBefore} (1/5/15 min), Node ${process.version}`);
console.log('Ratios compare rates measured in this run; absolute figures depend on the machine and its load.\n');

// Scenarios 4, 6–10 and 12 run the apps as production does: from the compiled build, made fresh here.
if (['4', '6', '7', '8', '9', '10', '12'].some((id) => wanted.has(id)))
  execFileSync('pnpm', ['build'], { stdio: ['ignore', 'ignore', 'inherit'] });

const rows: ResultRow[] = [];
const started = performance.now();
const scenarios: [string, string, () => Promise<ResultRow[]>][] = [
  ['1', `1/13 accept: ${sizes.accept.requests} requests`, () => benchAccept(target, sizes.accept)],
  [
    '2',
    `2/13 send: ${sizes.send.messages} messages with ${sizes.send.workerCounts.join(' and ')} worker(s)`,
    () => benchSend(target, sizes.send),
  ],
  [
    '3',
    `3/13 webhooks: ${sizes.webhooks.messages * 3} statuses, ${sizes.webhooks.statusesPerPost.join(' and ')} per POST`,
    () => benchWebhooks(target, sizes.webhooks),
  ],
  [
    '4',
    `4/13 full stack: ${sizes.fullStack.requests} single sends, separate processes`,
    () => benchFullStack(target, sizes.fullStack),
  ],
  [
    '5',
    `5/13 intake: ${sizes.batch.batches} batches of ${sizes.batch.perBatch}, then GET /messages on ${sizes.batch.listRows} rows`,
    () => benchBatch(target, sizes.batch),
  ],
  [
    '6',
    `6/13 statuses applied: ${sizes.statuses.messages * 3} statuses a run, ${sizes.statuses.statusesPerPost.join(' and ')} per POST, paced and flat out`,
    () => benchStatuses(target, sizes.statuses),
  ],
  [
    '7',
    `7/13 end to end: ${sizes.endToEnd.messages} messages via send-batch over ${sizes.endToEnd.numbers} numbers, accept → read`,
    () => benchEndToEnd(target, sizes.endToEnd),
  ],
  [
    '8',
    `8/13 pacing: ${sizes.pacing.rates.join(' and ')} mps, ${sizes.pacing.workers} workers, ${sizes.pacing.seconds} s${values.quick ? ' (quick: 30 s in the full run)' : ''}`,
    () => benchPacing(target, sizes.pacing),
  ],
  [
    '9',
    `9/13 OTP behind ${sizes.otp.backlog} marketing messages at ${sizes.otp.mps} mps`,
    () => benchOtp(target, sizes.otp),
  ],
  [
    '10',
    `10/13 Redis memory at ${sizes.redisMemory.counts.join(' and ')} queued`,
    () => benchRedisMemory(target, sizes.redisMemory),
  ],
  [
    '11',
    `11/13 callbacks: ${sizes.callbacks.events} events recorded ${sizes.callbacks.perRecord} per transaction, delivered to a fast receiver`,
    () => benchCallbacks(target, sizes.callbacks),
  ],
  [
    '12',
    `12/13 callbacks through the stack: ${sizes.callbacksStack.messages} messages' statuses to a fast receiver, then ${sizes.callbacksStack.sends} sends with it up and down (${sizes.callbacksStack.outageSeconds} s)`,
    () => benchCallbacksStack(target, sizes.callbacksStack),
  ],
  [
    '13',
    `13/13 conversation costs: send-batch over ${sizes.conversationCosts.contacts} contacts (MARKETING opt-out lookup, user_id resolution) and the conversation index on messages`,
    () => benchConversationCosts(target, sizes.conversationCosts),
  ],
];
for (const [id, label, run] of scenarios) {
  if (!wanted.has(id)) continue;
  const scenarioStarted = performance.now();
  rows.push(...(await run()));
  console.log(`${label}: ${((performance.now() - scenarioStarted) / 1_000).toFixed(0)} s, load average ${load()}`);
}
const seconds = (performance.now() - started) / 1_000;
const loadAfter = load();

console.log(`\n${formatTable(rows)}\n`);
console.log(`took ${seconds.toFixed(0)} s; load average before ${loadBefore}, after ${loadAfter}`);

const resultsFile = new URL('./results.json', import.meta.url);
await writeFile(
  resultsFile,
  `${JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      mode,
      commit: commit(),
      machine: { cpus: os.cpus().length, loadBefore, loadAfter, node: process.version },
      sizes,
      rows: rows.map((row) => ({ ...row, ratio: ratioOf(rows, row) })),
    },
    null,
    2,
  )}\n`,
);
console.log(`written to ${resultsFile.pathname}`);
