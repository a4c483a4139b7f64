// Scenario 5: high-volume intake. (a) POST /send-batch, 1,000 messages per request from 4
// clients, no worker running: validation of every item, one statement holding and inserting
// the accepted ones, one addBulk. Baseline: the same rows as one raw multi-row INSERT into a
// copy of `messages`, then a raw BullMQ addBulk of the same 1,000 jobs, same concurrency.
// (b) GET /messages with a filter on an account holding LIST_ROWS messages: p50/p99 of single
// requests. Baseline: the same page query sent raw through pg.
import { newId } from '@dak/core';
import { sql } from '@dak/db';
import { bullmq, pg } from './deps';
import { TEMPLATE, recipient, startBenchEnv, type BenchTarget } from './env';
import { HttpClient, runLanes } from './load';
import type { ResultRow } from './report';

export interface BatchSizes {
  batches: number;
  perBatch: number;
  concurrency: number;
  listRows: number;
  listRequests: number;
}

const SCENARIO = '5 intake';

function batchBody(batch: number, perBatch: number, phoneNumber: string): string {
  return JSON.stringify({
    phone_number_id: phoneNumber,
    template_id: TEMPLATE.id,
    messages: Array.from({ length: perBatch }, (_, i) => {
      const index = batch * perBatch + i;
      return {
        phone_number: recipient(index),
        variables: [{ type: 'body', values: [`Customer ${index}`, `ORD-${index}`] }],
        client_reference: `ref-${index}`,
      };
    }),
  });
}

export async function benchBatch(target: BenchTarget, sizes: BatchSizes): Promise<ResultRow[]> {
  const env = await startBenchEnv(target);
  const client = new HttpClient(sizes.concurrency);
  const pool = new pg.Pool({ connectionString: env.stack.database.url, max: 10 });
  pool.on('error', () => undefined);
  const rawQueue = new bullmq.Queue('bench-raw-batch', {
    connection: env.stack.api.ctx.redis,
    prefix: `${env.queuePrefix}-rawbatch`,
  });
  try {
    const headers = { authorization: `Bearer ${env.apiKey}` };
    const url = `${env.stack.api.url}/api/whatsapp/v1/send-batch`;
    const bodies = Array.from({ length: sizes.batches + 1 }, (_, b) =>
      batchBody(b, sizes.perBatch, env.phoneNumbers[b % env.phoneNumbers.length]!),
    );
    await client.post(url, bodies[sizes.batches]!, headers); // warm-up
    const dak = await runLanes(
      sizes.batches,
      sizes.concurrency,
      async (b) => {
        const answer = await client.post(url, bodies[b]!, headers);
        return answer.status === 200
          ? `accepted ${(JSON.parse(answer.body) as { accepted: number }).accepted}`
          : `HTTP ${answer.status}`;
      },
      sizes.batches * sizes.perBatch,
    );

    // The baseline writes the same rows to a copy of `messages` and the same jobs to its own queue.
    await pool.query('create table bench_messages (like messages including all)');
    const { rows } = await pool.query<{ id: string }>('select id from phone_numbers where meta_phone_number_id = $1', [
      env.phoneNumbers[0],
    ]);
    const senderId = rows[0]!.id;
    const raw = await runLanes(
      sizes.batches,
      sizes.concurrency,
      async (b) => {
        const now = new Date();
        const messages = Array.from({ length: sizes.perBatch }, (_, i) => {
          const index = b * sizes.perBatch + i;
          return {
            id: newId('msg'),
            account_id: env.accountId,
            sender_id: senderId,
            template_id: TEMPLATE.id,
            template_name: TEMPLATE.name,
            template_language: TEMPLATE.language,
            template_category: 'UTILITY',
            recipient: recipient(index),
            variables: [{ type: 'body', values: [`Customer ${index}`, `ORD-${index}`] }],
            components: [
              {
                type: 'body',
                parameters: [
                  { type: 'text', text: `Customer ${index}` },
                  { type: 'text', text: `ORD-${index}` },
                ],
              },
            ],
            status: 'queued',
            client_reference: `ref-${index}`,
            price_minor: 10,
            currency: 'INR',
            charge_state: 'held',
            queued_at: now,
            updated_at: now,
            attempts: 0,
            pair_retries: 0,
          };
        });
        await pool.query(
          'insert into bench_messages select * from json_populate_recordset(null::bench_messages, $1::json)',
          [JSON.stringify(messages)],
        );
        await rawQueue.addBulk(
          messages.map((m) => ({
            name: 'send',
            data: { messageId: m.id, senderId },
            opts: {
              jobId: m.id,
              attempts: 8,
              backoff: { type: 'exponential', delay: 1_000 },
              removeOnComplete: true,
              removeOnFail: true,
            },
          })),
        );
        return 'ok';
      },
      sizes.batches * sizes.perBatch,
    );

    // (b) the list: fill the account up to listRows messages, a tenth of them failed.
    const { rows: existing } = await pool.query<{ n: number }>('select count(*)::int as n from messages');
    const missing = Math.max(0, sizes.listRows - existing[0]!.n);
    await sql`
      insert into messages (id, account_id, sender_id, template_id, template_name, template_language, template_category,
        recipient, variables, components, status, price_minor, currency, charge_state, queued_at, updated_at)
      select 'msg_' || lpad(to_hex(g), 26, '0'), ${env.accountId}, ${senderId}, ${TEMPLATE.id}, ${TEMPLATE.name}, ${TEMPLATE.language}, 'UTILITY',
        '91' || (8000000000 + g), '[]', '[]', case when g % 10 = 0 then 'failed' else 'read' end, 10, 'INR', 'captured',
        now() - interval '30 days' + g * interval '1 second', now()
      from generate_series(1, ${missing}::int) g`.execute(env.stack.api.ctx.db);
    await pool.query('analyze messages');
    const listUrl = `${env.stack.api.url}/api/whatsapp/v1/messages?status=failed&limit=100`;
    const get = (u: string) =>
      new Promise<string>((resolve, reject) => {
        fetch(u, { headers }).then((r) => r.text().then(() => resolve(`HTTP ${r.status}`)), reject);
      });
    await runLanes(50, 1, () => get(listUrl));
    const list = await runLanes(sizes.listRequests, 1, () => get(listUrl));
    const rawList = await runLanes(sizes.listRequests, 1, async () => {
      await pool.query(
        `select id, wamid, status, recipient, template_id, template_name, client_reference, batch_id, queued_at, sent_at, delivered_at, read_at,
           failed_at, expires_at, error, price_minor, currency, charge_state from messages
         where account_id = $1 and dak_public_status(status) = 'failed' order by id desc limit 101`,
        [env.accountId],
      );
      return 'ok';
    });

    const batchWhat = `Dak POST /send-batch, ${sizes.perBatch} per request, ${sizes.concurrency} clients, no worker`;
    const listWhat = `Dak GET /messages?status=failed&limit=100 on ${sizes.listRows.toLocaleString('en')} messages, 1 client`;
    return [
      {
        scenario: SCENARIO,
        what: batchWhat,
        unit: 'msg',
        figures: dak,
        note: 'CPU µs/unit: this whole process (API, meta-sim idle, driver) per accepted message',
      },
      {
        scenario: SCENARIO,
        what: 'raw multi-row INSERT + BullMQ addBulk, same rows',
        unit: 'msg',
        figures: raw,
        baselineFor: batchWhat,
      },
      { scenario: SCENARIO, what: listWhat, unit: 'req', figures: list },
      {
        scenario: SCENARIO,
        what: 'raw pg: the same page query',
        unit: 'query',
        figures: rawList,
        baselineFor: listWhat,
      },
    ];
  } finally {
    client.close();
    await rawQueue.obliterate({ force: true }).catch(() => undefined);
    await rawQueue.close();
    await pool.end();
    await env.close();
  }
}
