// Measures how fast meta-sim answers sends and delivers webhooks, on loopback only.
// Usage: pnpm exec tsx apps/meta-sim/bench/sim-throughput.ts [--sends 20000] [--concurrency 64] [--webhook-sends 5000]
// The simulator runs in its own process (as in Dak's benchmarks); this process drives load and receives webhooks.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    sends: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64' },
    'webhook-sends': { type: 'string', default: '5000' },
    'time-limit-s': { type: 'string', default: '60' },
  },
});
const SENDS = Number(values.sends);
const CONCURRENCY = Number(values.concurrency);
const WEBHOOK_SENDS = Number(values['webhook-sends']);
const TIME_LIMIT_MS = Number(values['time-limit-s']) * 1_000;
const NUMBERS = 8;
const HOLD_MS = 6_000;
const root = resolve(import.meta.dirname, '../../..');

// eslint's no-console exemption covers the root bench/ only, so results go to stdout directly.
const report = (line: string) => process.stdout.write(`${line}\n`);

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function request(
  url: string,
  method: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((done, fail) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

/** CPU seconds (user + system) the simulator process has used, from /proc on Linux; undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** "N per simulator CPU-second": what the simulator would do with a core to itself. */
function perCpuSecond(count: number, before: number | undefined, after: number | undefined): string {
  if (before === undefined || after === undefined || after <= before) return '';
  return `; simulator CPU ${(after - before).toFixed(2)} s = ${Math.round(count / (after - before))} per CPU-second`;
}

const sendBody = (i: number) => ({
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to: `91${String(9_000_000_000 + i)}`,
  type: 'template',
  biz_opaque_callback_data: `msg_${i}`,
  template: {
    name: 'order_update',
    language: { code: 'en_US' },
    components: [
      {
        type: 'body',
        parameters: [
          { type: 'text', text: `Customer ${i}` },
          { type: 'text', text: `ORD-${i}` },
        ],
      },
    ],
  },
});

/** Fires `total` sends with `concurrency` in flight; returns sends/s and the status histogram. */
async function drive(base: string, total: number, offset: number) {
  let next = 0;
  const statuses = new Map<number, number>();
  const started = performance.now();
  const deadline = Date.now() + TIME_LIMIT_MS;
  const latencies: number[] = [];
  async function lane() {
    while (next < total && Date.now() < deadline) {
      const i = next++;
      const number = `2000000000000${String(i % NUMBERS).padStart(2, '0')}`;
      const t0 = performance.now();
      const reply = await request(`${base}/v23.0/${number}/messages`, 'POST', sendBody(offset + i), 'bench-token');
      latencies.push(performance.now() - t0);
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  const seconds = (performance.now() - started) / 1_000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]?.toFixed(1);
  return {
    sent: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    statuses: Object.fromEntries(statuses),
    p50: pct(0.5),
    p99: pct(0.99),
  };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'meta-sim-bench-'));
  let received = 0;
  let posts = 0;
  let firstAt = 0;
  let lastAt = 0;
  const receiver = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const now = performance.now();
      if (posts === 0) firstAt = now;
      lastAt = now;
      posts += 1;
      received += (raw.match(/"status":"/g) ?? []).length;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/meta`;

  const seed = join(dir, 'seed.json');
  await writeFile(
    seed,
    JSON.stringify({
      businesses: [
        {
          waba_id: '100000000000001',
          access_token: 'bench-token',
          phone_numbers: Array.from({ length: NUMBERS }, (_, i) => ({
            phone_number_id: `2000000000000${String(i).padStart(2, '0')}`,
            display_phone_number: `1555000${String(i).padStart(4, '0')}`,
            mps: 100_000,
          })),
          templates: [
            {
              id: '300000000000001',
              name: 'order_update',
              language: 'en_US',
              status: 'APPROVED',
              category: 'UTILITY',
              components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.' }],
            },
          ],
        },
      ],
    }),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'apps/meta-sim/src/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      META_SIM_PORT: '0',
      META_SIM_SEED_FILE: seed,
      META_SIM_WEBHOOK_URL: 'none',
      META_SIM_PAIR_BURST: '0',
      META_SIM_RANDOM_SEED: '1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /"url":"([^"]+)"/.exec(out);
      if (match) done(match[1] as string);
    });
    child.on('exit', () => fail(new Error(`meta-sim exited before listening:\n${out}`)));
  });

  try {
    await drive(base, 2_000, 0);
    const cpuBefore = cpuSeconds(child.pid);
    const sends = await drive(base, SENDS, 10_000);
    const cpuAfter = cpuSeconds(child.pid);
    report(
      `sends: ${sends.sent} in ${sends.seconds.toFixed(2)} s = ${Math.round(sends.perSecond)} sends/s at concurrency ${CONCURRENCY} ` +
        `(HTTP ${JSON.stringify(sends.statuses)}, p50 ${sends.p50} ms, p99 ${sends.p99} ms; webhooks built, signed and recorded, not sent` +
        `${perCpuSecond(sends.sent, cpuBefore, cpuAfter)})`,
    );

    // Statuses fall due a few seconds after their send, once the sends are over, so the
    // webhook figure measures delivery alone: from the first POST received to the last.
    for (const batchSize of [1, 100]) {
      await request(`${base}/_sim/reset`, 'POST');
      await request(`${base}/_sim/webhook-config`, 'PATCH', {
        url: receiverUrl,
        delaysMs: { sent: HOLD_MS, delivered: HOLD_MS, read: HOLD_MS },
        batchSize,
        concurrency: 64,
      });
      received = 0;
      posts = 0;
      const expected = WEBHOOK_SENDS * 3;
      const load = await drive(base, WEBHOOK_SENDS, 1_000_000);
      if (posts > 0)
        report(`warning: webhooks began before the sends ended (${load.seconds.toFixed(1)} s); raise HOLD_MS`);
      const deadline = Date.now() + TIME_LIMIT_MS;
      while (posts === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      const before = cpuSeconds(child.pid);
      while (received < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const after = cpuSeconds(child.pid);
      const seconds = (lastAt - firstAt) / 1_000;
      report(
        `webhooks (batchSize ${batchSize}): ${received}/${expected} statuses in ${posts} POSTs over ${seconds.toFixed(2)} s = ` +
          `${Math.round(received / seconds)} statuses/s, ${Math.round(posts / seconds)} POSTs/s (signed, to a local receiver${perCpuSecond(received, before, after).replace('per CPU', 'statuses per CPU')})`,
      );
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    agent.destroy();
    receiver.closeAllConnections();
    receiver.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
