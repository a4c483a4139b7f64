// Scenario 4: what users run. Dak's four apps as separate production processes (the compiled
// build when `pnpm build` has run), one busy account: 64 keep-alive clients post single sends
// while the worker sends them to meta-sim and the receiver applies meta-sim's status webhooks.
// Figures: the API's requests/s and latency under that load, the API process's CPU per accepted
// message, and the pipeline's rate from the first accept to the last message `read`.
// Baselines in the same run: a bare Express JSON endpoint in its own process (same driver,
// same clients, same body), and meta-sim alone taking the same sends directly.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { buildTemplateSendBody } from '@dak/meta';
import { createDatabase, sql } from '@dak/db';
import { demoBusiness, freePort, REPOSITORY_ROOT, startDakProcesses, startProcess, stopProcess } from '@dak/dev-env';
import {
  MPS,
  PHONE_NUMBERS,
  TEMPLATE,
  createBenchDatabase,
  deleteKeys,
  metaPhoneNumberId,
  seedProcessesAccount,
  recipient,
  sendMessageBody,
  type BenchTarget,
} from './env';
import { HttpClient, runLanes, waitUntil, type RunFigures } from './load';
import type { ResultRow } from './report';

export interface FullStackSizes {
  requests: number;
  warmup: number;
  concurrency: number;
  workers: number;
  timeoutMs: number;
}

const SCENARIO = '4 full stack';

/** A bare Express app answering a JSON POST with a send-message-sized answer: the HTTP floor. */
function bareExpressScript(port: number): string {
  const express = createRequire(`${REPOSITORY_ROOT}/apps/api/package.json`).resolve('express');
  return `const express = require(${JSON.stringify(express)});
const app = express();
app.use(express.json());
app.post('/send', (req, res) => res.json({ success: true, message_id: 'msg_' + Date.now(), status: 'queued' }));
app.listen(${port}, '127.0.0.1');`;
}

async function bareExpress(sizes: FullStackSizes): Promise<RunFigures> {
  const port = await freePort();
  const process = startProcess('bare-express', ['-e', bareExpressScript(port)], {});
  const client = new HttpClient(sizes.concurrency);
  try {
    const url = `http://127.0.0.1:${port}/send`;
    if (
      !(await waitUntil(async () => (await client.post(url, '{}').catch(() => ({ status: 0 }))).status === 200, 10_000))
    ) {
      throw new Error(`the bare Express endpoint did not start:\n${process.output()}`);
    }
    await runLanes(sizes.warmup, sizes.concurrency, async (i) =>
      String((await client.post(url, sendMessageBody(i, metaPhoneNumberId(0)))).status),
    );
    const cpuBefore = process.cpuSeconds();
    const figures = await runLanes(sizes.requests, sizes.concurrency, async (i) =>
      String((await client.post(url, sendMessageBody(i, metaPhoneNumberId(0)))).status),
    );
    figures.cpuMicrosPerOp = ((process.cpuSeconds() - cpuBefore) * 1e6) / sizes.requests;
    return figures;
  } finally {
    client.close();
    await stopProcess(process);
  }
}

export async function benchFullStack(target: BenchTarget, sizes: FullStackSizes): Promise<ResultRow[]> {
  const database = await createBenchDatabase(target.databaseUrl);
  const queuePrefix = `dak-bench-${randomBytes(5).toString('hex')}`;
  const accessToken = `EAAG${randomBytes(24).toString('hex')}`;
  const db = createDatabase({ url: database.url, poolSize: 2 });
  const stack = await startDakProcesses({
    databaseUrl: database.url,
    redisUrl: target.redisUrl,
    queuePrefix,
    workers: sizes.workers,
    env: { TEMPLATE_SYNC_INTERVAL_MS: '0' },
    metaSimEnv: {
      META_SIM_SENT_DELAY_MS: '10',
      META_SIM_DELIVERED_DELAY_MS: '20',
      META_SIM_READ_DELAY_MS: '30',
      META_SIM_PAIR_BURST: '0',
      META_SIM_PAIR_INTERVAL_MS: '0',
      META_SIM_MAX_RECORDED: '0',
    },
  });
  const client = new HttpClient(sizes.concurrency);
  try {
    const phoneNumbers = Array.from({ length: PHONE_NUMBERS }, (_, i) => metaPhoneNumberId(i));
    const business = demoBusiness(accessToken, {
      phone_numbers: phoneNumbers.map((id, i) => ({
        phone_number_id: id,
        display_phone_number: `1555078${String(i).padStart(4, '0')}`,
        mps: MPS,
      })),
    });
    const seeded = await seedProcessesAccount(stack, business, '100000.00');
    const headers = { authorization: `Bearer ${seeded.apiKey!}` };
    const sendUrl = `${stack.apiUrl}/api/whatsapp/v1/send-message`;
    const send = (i: number) =>
      client.post(sendUrl, sendMessageBody(i, phoneNumbers[i % phoneNumbers.length]!), headers);

    await runLanes(sizes.warmup, sizes.concurrency, async (i) => String((await send(i)).status));
    const total = sizes.warmup + sizes.requests;
    const readCount = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from messages where status = 'read'`.execute(db)).rows[0]!.n;
    await waitUntil(async () => (await readCount()) >= sizes.warmup, sizes.timeoutMs);

    const cpuBefore = Object.fromEntries(stack.all().map((p) => [p.name, p.cpuSeconds()]));
    const pipelineStarted = performance.now();
    const accept = await runLanes(sizes.requests, sizes.concurrency, async (i) =>
      String((await send(sizes.warmup + i)).status),
    );
    accept.cpuMicrosPerOp = ((stack.api.cpuSeconds() - cpuBefore.api!) * 1e6) / sizes.requests;
    const allRead = await waitUntil(async () => (await readCount()) >= total, sizes.timeoutMs, 50);
    const pipelineSeconds = (performance.now() - pipelineStarted) / 1_000;
    const cpuOfDak = stack.all().reduce((sum, p) => sum + p.cpuSeconds() - (cpuBefore[p.name] ?? 0), 0);
    const byStatus = await sql<{
      status: string;
      n: number;
    }>`select status, count(*)::int as n from messages group by status`.execute(db);
    const pipeline: RunFigures = {
      count: sizes.requests,
      seconds: pipelineSeconds,
      perSecond: sizes.requests / pipelineSeconds,
      cpuMicrosPerOp: (cpuOfDak * 1e6) / sizes.requests,
      outcomes: {
        ...Object.fromEntries(byStatus.rows.map((r) => [r.status, r.n])),
        ...(allRead ? {} : { 'timed out': 1 }),
      },
    };

    const sim = await metaSimAlone(stack.metaSimUrl, accessToken, phoneNumbers, sizes);
    const bare = await bareExpress(sizes);
    const build = stack.compiled ? 'compiled build' : 'tsx (run pnpm build for the compiled build)';
    const acceptWhat = `Dak API, single sends, ${sizes.concurrency} clients, worker ×${sizes.workers} and receiver busy (${build})`;
    const pipelineWhat = `Dak pipeline: accept → read applied, same messages`;
    return [
      { scenario: SCENARIO, what: acceptWhat, unit: 'req', figures: accept, note: 'CPU µs/unit: the API process only' },
      {
        scenario: SCENARIO,
        what: 'bare Express JSON endpoint, own process',
        unit: 'req',
        figures: bare,
        baselineFor: acceptWhat,
      },
      {
        scenario: SCENARIO,
        what: pipelineWhat,
        unit: 'msg',
        figures: pipeline,
        note: 'CPU µs/unit: every Dak process and meta-sim',
      },
      {
        scenario: SCENARIO,
        what: 'meta-sim alone taking the same sends',
        unit: 'msg',
        figures: sim,
        baselineFor: pipelineWhat,
      },
    ];
  } finally {
    client.close();
    await stack.stop();
    await db.destroy();
    await database.drop();
    await deleteKeys(target.redisUrl, queuePrefix);
  }
}

/** The same sends posted straight to meta-sim's Cloud API by the same driver. */
async function metaSimAlone(
  metaSimUrl: string,
  accessToken: string,
  phoneNumbers: string[],
  sizes: FullStackSizes,
): Promise<RunFigures> {
  // Its status webhooks would reach Dak's receiver for messages Dak never sent: off meanwhile.
  const webhookConfig = (await (await fetch(`${metaSimUrl}/_sim/webhook-config`)).json()) as { url: string | null };
  await fetch(`${metaSimUrl}/_sim/webhook-config`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: null }),
  });
  const client = new HttpClient(sizes.concurrency);
  try {
    const headers = { authorization: `Bearer ${accessToken}` };
    return await runLanes(sizes.requests, sizes.concurrency, async (i) => {
      const body = buildTemplateSendBody({
        id: `msg_sim_${i}`,
        recipient: recipient(i),
        template_name: TEMPLATE.name,
        template_language: TEMPLATE.language,
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: `Customer ${i}` },
              { type: 'text', text: `ORD-${i}` },
            ],
          },
        ],
      });
      const answer = await client.post(
        `${metaSimUrl}/v23.0/${phoneNumbers[i % phoneNumbers.length]!}/messages`,
        JSON.stringify(body),
        headers,
      );
      return `HTTP ${answer.status}`;
    });
  } finally {
    client.close();
    await fetch(`${metaSimUrl}/_sim/webhook-config`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: webhookConfig.url }),
    });
  }
}
