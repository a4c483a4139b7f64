// Scenario 11: callback deliveries to a fast receiver. Events are recorded as the producers
// record them (recordCallbackEvents in a transaction, then enqueueCallbackDeliveries), in
// chunks of `perRecord`, as fast as they go; one worker process delivers them to a node:http
// receiver on 127.0.0.1 that answers 200 at once. The lag runs from an event's commit to the
// receiver reading it. Baseline in the same run: the same bodies POSTed straight to the same
// receiver over the same keep-alive client, `concurrency` at a time (HTTP alone).
import { OutboundPoster } from '@dak/http';
import { recordCallbackEvents } from '@dak/db';
import { enqueueCallbackDeliveries } from '@dak/queue';
import { startCallbackReceiver } from '@dak/dev-env';
import { startBenchEnv, type BenchTarget } from './env';
import { measure, runLanes, waitUntil } from './load';
import type { ResultRow } from './report';

export interface CallbackSizes {
  events: number;
  perRecord: number;
  concurrency: number;
  timeoutMs: number;
}

const SCENARIO = '11 callbacks';

export async function benchCallbacks(target: BenchTarget, sizes: CallbackSizes): Promise<ResultRow[]> {
  const env = await startBenchEnv(target);
  const receiver = await startCallbackReceiver();
  try {
    await env.stack.startWorker();
    const created = await env.stack.call('POST', '/api/whatsapp/v1/callbacks', {
      key: env.apiKey,
      body: { url: receiver.url, events: ['message.status'] },
    });
    if (created.status !== 201) throw new Error(`registering the receiver failed: ${JSON.stringify(created.body)}`);
    const db = env.stack.api.ctx.db;
    const committedAt = new Map<string, number>();
    const lags: number[] = [];
    receiver.respond = (request) => {
      const at = committedAt.get(request.json.data.message_id as string);
      if (at !== undefined) lags.push(Date.now() - at);
      return 200;
    };
    const delivered = await measure(
      sizes.events,
      async () => {
        for (let i = 0; i < sizes.events; i += sizes.perRecord) {
          const events = Array.from({ length: Math.min(sizes.perRecord, sizes.events - i) }, (_, k) => {
            const id = `msg_bench_${i + k}`;
            return {
              accountId: env.accountId,
              type: 'message.status' as const,
              messageId: id,
              sequence: 1,
              data: { message_id: id, status: 'delivered', previous_status: 'sent', sequence: 1 },
            };
          });
          const ids = await db.transaction().execute((trx) => recordCallbackEvents(trx, events));
          const now = Date.now();
          for (const event of events) committedAt.set(event.messageId, now);
          await enqueueCallbackDeliveries(env.stack.api.ctx.queues, ids);
        }
        const all = await waitUntil(async () => receiver.events().length >= sizes.events, sizes.timeoutMs, 20);
        return {
          delivered: receiver.events().length,
          ...(all ? {} : { missing: sizes.events - receiver.events().length }),
        };
      },
      lags,
    );
    const bodies = receiver.events().map((r) => r.body);
    const poster = new OutboundPoster({ allowPrivate: true, userAgent: 'bench' });
    try {
      const raw = await runLanes(bodies.length, sizes.concurrency, async (index) => {
        const answer = await poster.post(receiver.url, bodies[index]!, {}, 10_000);
        return String(answer.status ?? answer.error);
      });
      const dakWhat = `Dak: record ${sizes.perRecord}/tx, deliver (1 worker), signed POST each`;
      return [
        {
          scenario: SCENARIO,
          what: dakWhat,
          unit: 'delivery',
          figures: delivered,
          note: 'latency = commit → received',
        },
        {
          scenario: SCENARIO,
          what: `raw keep-alive POSTs, ${sizes.concurrency} in flight`,
          unit: 'delivery',
          figures: raw,
          baselineFor: dakWhat,
        },
      ];
    } finally {
      poster.close();
    }
  } finally {
    await receiver.close();
    await env.close();
  }
}
