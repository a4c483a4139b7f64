// Scenario 4: what users run. Dak's four apps as separate production processes (the compiled
// build when `pnpm build` has run), one busy account: 64 keep-alive clients post single sends
// while the worker sends them to meta-sim and the receiver applies meta-sim's status webhooks.
// Figures: the API's requests/s and latency under that load, the API process's CPU per accepted
// message, and the pipeline's rate from the first accept to the last message `read`.
// Baselines in the same run: a bare Express JSON endpoint in its own process (same driver,
// same clients, same body), and meta-sim alone taking the same sends directly.
import { createRequire } from 'node:module';
import { sql } from '@dak/db';
import { freePort, REPOSITORY_ROOT, startProcess, stopProcess } from '@dak/dev-env';
import { MPS, PHONE_NUMBERS, metaPhoneNumberId, sendMessageBody, type BenchTarget } from './env';
import { HttpClient, runLanes, waitUntil, type RunFigures } from './load';
import { metaSimAlone } from './meta-sim-alone';
import { startProcessBench } from './process-stack';
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
  const bench = await startProcessBench(target, {
    workers: sizes.workers,
    mps: Array.from({ length: PHONE_NUMBERS }, () => MPS),
  });
  const { stack, db, phoneNumbers } = bench;
  const client = new HttpClient(sizes.concurrency);
  try {
    const headers = { authorization: `Bearer ${bench.apiKey}` };
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

    const sim = await metaSimAlone(stack.metaSimUrl, bench.accessToken, phoneNumbers, {
      count: sizes.requests,
      concurrency: sizes.concurrency,
    });
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
    await bench.close();
  }
}
