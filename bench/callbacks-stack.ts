// Scenario 12: callbacks through the stack users run (issue 12). Production processes, one worker, two
// numbers at 1,000 mps, meta-sim sending its status webhooks 10/20/30 ms after each send, and
// a receiver in this process registered for `message.status` (startCallbackReceiver: it
// answers 200 at once, keeps every POST it gets, and can go down: its listening socket and
// every open connection closed, so deliveries meet a refused connection, then up again on the
// same port). Scenario 11 measures the delivery machinery alone; this one what a business sees.
// (a) fast receiver: messages queued with send-batch; from the first callback received to the
//     last, deliveries/s, and the lag from each event being recorded (in the transaction that
//     applied its status) to the receiver having it. Baseline: the same number of signed
//     bodies POSTed straight to the same receiver from this process, with the callback
//     workers' concurrency.
// (b) receiver down: single send-message requests (32 clients) with the receiver up, then the
//     same count right after it went down; the ratio is the API's rate while down over while
//     up. It stays down for the outage, comes back, and the row says how long until every
//     event recorded was received, and whether any was lost, received twice or out of order.
import { createHmac } from 'node:crypto';
import { sql } from '@dak/db';
import { startCallbackReceiver, type CallbackReceiver, type ReceivedCallback } from '@dak/dev-env';
import { HttpClient, percentile, runLanes, waitUntil, type RunFigures } from './load';
import { startProcessBench, type ProcessBench } from './process-stack';
import { ORDER_UPDATE, queueBatches } from './queue-batches';
import { sendMessageBody } from './env';
import type { ResultRow } from './report';

export interface CallbackStackSizes {
  /** Messages of part (a); each makes three callbacks (sent, delivered, read). */
  messages: number;
  /** Part (a2): single sends at this steady rate, for this long. */
  pacedPerSecond: number;
  pacedSeconds: number;
  /** Single sends of part (b), with the receiver up and again with it down. */
  sends: number;
  outageSeconds: number;
  timeoutMs: number;
}

const SCENARIO = '12 callbacks, stack';
const MPS = [1_000, 1_000];
/** The callback workers' concurrency (CALLBACK_CONCURRENCY), and the baseline's. */
const CONCURRENCY = 64;
/** Dak's defaults (retries from 10 s, doubling), with the receiver on loopback allowed. */
const CALLBACK_ENV = { CALLBACK_ALLOW_PRIVATE_URLS: 'true', CALLBACK_CONCURRENCY: String(CONCURRENCY) };

async function deliveryCounts(bench: ProcessBench): Promise<{ events: number; pending: number }> {
  const row = (
    await sql<{ events: number; pending: number }>`
      select (select count(*)::int from callback_events) as events,
             (select count(*)::int from callback_deliveries where status <> 'delivered') as pending`.execute(bench.db)
  ).rows[0]!;
  return row;
}

/** Waits until every message is read, every delivery delivered, and the receiver has every event. */
async function allDelivered(bench: ProcessBench, receiver: CallbackReceiver, messages: number, timeoutMs: number) {
  return waitUntil(
    async () => {
      const read = (await bench.countByStatus()).read ?? 0;
      if (read < messages) return false;
      const { events, pending } = await deliveryCounts(bench);
      return pending === 0 && new Set(receiver.events().map((r) => r.json.id)).size >= events;
    },
    timeoutMs,
    100,
  );
}

/** Duplicates and out-of-order arrivals (a message's sequence lower than one it already had). */
function orderOf(received: ReceivedCallback[]) {
  const seen = new Set<string>();
  const last = new Map<string, number>();
  let duplicates = 0;
  let backwards = 0;
  for (const r of [...received].sort((a, b) => a.at - b.at)) {
    if (seen.has(r.json.id)) duplicates++;
    seen.add(r.json.id);
    const messageId = r.json.data.message_id as string;
    const sequence = r.json.data.sequence as number;
    if ((last.get(messageId) ?? -1) > sequence) backwards++;
    last.set(messageId, Math.max(last.get(messageId) ?? -1, sequence));
  }
  return { distinct: seen.size, duplicates, backwards };
}

async function lagsOf(bench: ProcessBench, received: ReceivedCallback[]): Promise<number[]> {
  const firstArrival = new Map<string, number>();
  for (const r of received) if (!firstArrival.has(r.json.id)) firstArrival.set(r.json.id, r.at);
  const rows = await sql<{ id: string; created_at: Date }>`
    select id, created_at from callback_events where id = any(${[...firstArrival.keys()]}::text[])`.execute(bench.db);
  return rows.rows.map((row) => firstArrival.get(row.id)! - row.created_at.getTime()).sort((a, b) => a - b);
}

/** The same count of signed bodies as Dak delivered, POSTed straight to the receiver. */
async function rawDeliveries(receiver: CallbackReceiver, count: number): Promise<RunFigures> {
  const client = new HttpClient(CONCURRENCY);
  const secret = 'whsec_baseline';
  try {
    return await runLanes(count, CONCURRENCY, async (i) => {
      const body = JSON.stringify({
        id: `evt_baseline_${i}`,
        type: 'message.status',
        created_at: new Date().toISOString(),
        data: { message_id: null, status: 'delivered', sequence: null, padding: 'x'.repeat(700) },
      });
      const t = Math.floor(Date.now() / 1_000);
      const signature = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
      const answer = await client.post(receiver.url, body, { 'x-dak-signature': `t=${t},v1=${signature}` });
      return String(answer.status);
    });
  } finally {
    client.close();
  }
}

async function singleSends(bench: ProcessBench, from: number, count: number, perSecond?: number): Promise<RunFigures> {
  const client = new HttpClient(32);
  const url = `${bench.stack.apiUrl}/api/whatsapp/v1/send-message`;
  const headers = { authorization: `Bearer ${bench.apiKey}` };
  try {
    return await runLanes(
      count,
      32,
      async (i) => {
        const answer = await client.post(
          url,
          sendMessageBody(from + i, bench.phoneNumbers[i % bench.phoneNumbers.length]!),
          headers,
        );
        return String(answer.status);
      },
      count,
      perSecond,
    );
  } finally {
    client.close();
  }
}

export async function benchCallbacksStack(
  target: Parameters<typeof startProcessBench>[0],
  sizes: CallbackStackSizes,
): Promise<ResultRow[]> {
  const bench = await startProcessBench(target, { workers: 1, mps: MPS, env: CALLBACK_ENV });
  const receiver = await startCallbackReceiver();
  try {
    const registered = await fetch(`${bench.stack.apiUrl}/api/whatsapp/v1/callbacks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bench.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['message.status'] }),
    });
    if (registered.status !== 201)
      throw new Error(`registering the receiver: ${registered.status} ${await registered.text()}`);

    // (a) A fast receiver.
    const perNumber = Math.ceil(sizes.messages / MPS.length);
    await Promise.all(
      bench.phoneNumbers.map((phoneNumber, n) =>
        queueBatches(bench, {
          template: ORDER_UPDATE,
          phoneNumber,
          count: perNumber,
          offset: n * perNumber,
          perRequest: 1_000,
        }),
      ),
    );
    const total = perNumber * MPS.length;
    const done = await allDelivered(bench, receiver, total, sizes.timeoutMs);
    const fast = receiver.events();
    const lags = await lagsOf(bench, fast);
    const span = (Math.max(...fast.map((r) => r.at)) - Math.min(...fast.map((r) => r.at))) / 1_000;
    const order = orderOf(fast);
    const what = `Dak: message.status callbacks of ${total} messages (sent, delivered, read) to a receiver answering 200 at once`;
    const rows: ResultRow[] = [
      {
        scenario: SCENARIO,
        what,
        unit: 'callback',
        figures: {
          count: fast.length,
          seconds: span,
          perSecond: fast.length / span,
          latencies: { p50: percentile(lags, 0.5), p95: percentile(lags, 0.95), p99: percentile(lags, 0.99) },
          cpuMicrosPerOp: Number.NaN,
          outcomes: {
            received: fast.length,
            distinct: order.distinct,
            duplicates: order.duplicates,
            'out of order': order.backwards,
            ...(done ? {} : { 'timed out': 1 }),
          },
        },
        note: `latency columns: from the event recorded (with its status, in the applying transaction) to the receiver having it; rate from the first callback received to the last; worker ×1, CALLBACK_CONCURRENCY ${CONCURRENCY}`,
      },
    ];
    const raw = await rawDeliveries(receiver, fast.length);
    rows.push({
      scenario: SCENARIO,
      what: `raw: ${fast.length} signed JSON POSTs from ${CONCURRENCY} keep-alive lanes to the same receiver`,
      unit: 'callback',
      figures: raw,
      baselineFor: what,
    });

    // (a2) The same at a steady pace: the lag a business sees in normal traffic.
    const pacedFrom = receiver.events().length;
    const pacedCount = sizes.pacedPerSecond * sizes.pacedSeconds;
    await singleSends(bench, total + 500_000, pacedCount, sizes.pacedPerSecond);
    await allDelivered(bench, receiver, total + pacedCount, sizes.timeoutMs);
    const paced = receiver.events().slice(pacedFrom);
    const pacedLags = await lagsOf(bench, paced);
    rows.push({
      scenario: SCENARIO,
      what: `Dak: the same at a steady ${sizes.pacedPerSecond} messages/s for ${sizes.pacedSeconds} s (send-message)`,
      unit: 'callback',
      figures: {
        count: paced.length,
        seconds: sizes.pacedSeconds,
        perSecond: paced.length / sizes.pacedSeconds,
        latencies: {
          p50: percentile(pacedLags, 0.5),
          p95: percentile(pacedLags, 0.95),
          p99: percentile(pacedLags, 0.99),
        },
        cpuMicrosPerOp: Number.NaN,
        outcomes: { received: paced.length, 'out of order': orderOf(paced).backwards },
      },
      note: 'latency columns: from the event recorded to the receiver having it',
    });

    // (b) The receiver goes down while the API takes sends: the API's rate right after it went
    // down and halfway through the outage (retries failing meanwhile), against its rate just
    // before and just after (once the backlog was delivered).
    const mark = receiver.events().length;
    let sent = total + pacedCount;
    const sends = async () => {
      const figures = await singleSends(bench, total + 1_000 + sent, sizes.sends);
      sent += sizes.sends;
      return figures;
    };
    const upBefore = await sends();
    await receiver.down();
    const downAt = Date.now();
    const downFirst = await sends();
    const { pending: waitingFirst } = await deliveryCounts(bench);
    const until = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
    await until(downAt + (sizes.outageSeconds * 1_000) / 2);
    const downHalfway = await sends();
    const { pending: waitingHalfway } = await deliveryCounts(bench);
    await until(downAt + sizes.outageSeconds * 1_000);
    await receiver.up();
    const upAt = Date.now();
    const recovered = await allDelivered(bench, receiver, sent, sizes.timeoutMs);
    const recoveredMs = Date.now() - upAt;
    const upAfter = await sends();
    const all = await allDelivered(bench, receiver, sent, sizes.timeoutMs);
    const { events } = await deliveryCounts(bench);
    const afterOutage = orderOf(receiver.events().slice(mark));
    const sendsWhat = (when: string) =>
      `Dak: POST /send-message (32 clients, ${sizes.sends} requests) ${when}, ${sizes.outageSeconds} s outage`;
    const firstWhat = sendsWhat('right after the callback receiver went down');
    const halfwayWhat = sendsWhat('halfway through the outage');
    rows.push(
      {
        scenario: SCENARIO,
        what: firstWhat,
        unit: 'request',
        figures: { ...downFirst, outcomes: { ...downFirst.outcomes, 'deliveries waiting after': waitingFirst } },
        note: "the ratio is the API's rate while the receiver was down over its rate just before",
      },
      {
        scenario: SCENARIO,
        what: 'the same sends just before, receiver up',
        unit: 'request',
        figures: upBefore,
        baselineFor: firstWhat,
      },
      {
        scenario: SCENARIO,
        what: halfwayWhat,
        unit: 'request',
        figures: {
          ...downHalfway,
          outcomes: {
            ...downHalfway.outcomes,
            'deliveries waiting after': waitingHalfway,
            [`all ${events} events received`]:
              recovered && all && orderOf(receiver.events()).distinct >= events ? 1 : 0,
            'received twice': afterOutage.duplicates,
            'out of order': afterOutage.backwards,
          },
        },
        note: `the ratio is the API's rate halfway through the outage over its rate once the receiver was back and had everything; it had every event ${(recoveredMs / 1_000).toFixed(1)} s after it came back (Dak's defaults: a failing endpoint is probed at least every 10 s, found by the 5 s sweep; the probe's first success sends the whole backlog)`,
      },
      {
        scenario: SCENARIO,
        what: 'the same sends after the outage, receiver up',
        unit: 'request',
        figures: upAfter,
        baselineFor: halfwayWhat,
      },
    );
    return rows;
  } finally {
    await receiver.close();
    await bench.close();
  }
}
