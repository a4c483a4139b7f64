// `pnpm chaos`: Dak's real processes against a Postgres cluster and a Redis of their own, under
// the faults of scenarios.ts. One line per scenario, a summary, exit code 1 on any failure.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, ensureDatabaseExists, migrateToLatest, sql } from '@dak/db';
import { DEMO, adminClient, demoBusiness, seedAccount } from '@dak/dev-env/demo';
import { appCommand, type DakApp } from '@dak/dev-env/processes';
import { PostgresCluster, RedisServer, freePort } from './infra';
import { checkInvariants, webhookServerErrors } from './invariants';
import { describeTally } from './load';
import { DakProcess, processLog, waitReady, type Exit } from './processes';
import { scenarios, type ChaosWorld } from './scenarios';

const SEND_LEASE_MS = 4_000;
const FINAL_WAIT_MS = 90_000;
const WORKERS = 2;
const MPS = 300;

const started = Date.now();
const logDir = mkdtempSync(join(tmpdir(), 'dak-chaos-logs-'));
const log = processLog(join(logDir, 'processes.log'));
const exits: Exit[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

async function main(): Promise<number> {
  console.log(`chaos: logs in ${logDir}`);
  const pg = await PostgresCluster.create();
  cleanups.push(() => pg.destroy());
  const redis = await RedisServer.create();
  cleanups.push(() => redis.destroy());

  const databaseUrl = pg.url('dak');
  await ensureDatabaseExists(databaseUrl);
  const db = createDatabase({ url: databaseUrl, poolSize: 2, applicationName: 'dak-chaos' });
  cleanups.push(() => db.destroy());
  await migrateToLatest(db);

  const [apiPort, webhooksPort, simPort, ...workerPorts] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    ...Array.from({ length: WORKERS }, freePort),
  ]);
  const adminToken = randomBytes(24).toString('hex');
  const accessToken = `EAAG${randomBytes(24).toString('hex')}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'dak-chaos',
    DAK_ADMIN_TOKEN: adminToken,
    DAK_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    META_APP_SECRET: randomBytes(16).toString('hex'),
    META_VERIFY_TOKEN: randomBytes(8).toString('hex'),
    META_GRAPH_URL: `http://127.0.0.1:${simPort}`,
    META_REQUEST_TIMEOUT_MS: '1500',
    PORT: String(apiPort),
    WEBHOOKS_PORT: String(webhooksPort),
    META_SIM_PORT: String(simPort),
    META_SIM_HOST: '127.0.0.1',
    WORKER_CONCURRENCY: '50',
    SEND_LEASE_MS: String(SEND_LEASE_MS),
    SWEEP_INTERVAL_MS: '500',
    SWEEP_GRACE_MS: '5000',
    TEMPLATE_SYNC_INTERVAL_MS: '0',
    META_SIM_WEBHOOK_URL: `http://127.0.0.1:${webhooksPort}/webhooks/meta`,
    META_SIM_RANDOM_SEED: '7',
    META_SIM_SENT_DELAY_MS: '50',
    META_SIM_DELIVERED_DELAY_MS: '150',
    META_SIM_READ_DELAY_MS: '300',
    META_SIM_PAIR_BURST: '0',
    META_SIM_WEBHOOK_RETRY_BASE_MS: '200',
    META_SIM_WEBHOOK_RETRY_MAX_MS: '2000',
    META_SIM_WEBHOOK_MAX_ATTEMPTS: '100',
    META_SIM_WEBHOOK_TIMEOUT_MS: '5000',
    META_SIM_MAX_RECORDED: '200000',
  };
  // The apps run as production runs them: the compiled build, made fresh (a restart under tsx
  // compiles hundreds of files again, which on a loaded 2-core machine takes a minute).
  execFileSync('pnpm', ['build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const spawnApp = (name: string, app: DakApp, extra: Record<string, string> = {}) => {
    const proc = new DakProcess(name, appCommand(app).args, { ...env, ...extra }, log, (exit) => exits.push(exit));
    proc.start();
    return proc;
  };
  const metaSim = spawnApp('meta-sim', 'meta-sim');
  const webhooks = spawnApp('webhooks', 'webhooks');
  const api = spawnApp('api', 'api');
  const workers = workerPorts.map((port, i) => ({
    process: spawnApp(`worker-${i + 1}`, 'worker', { WORKER_METRICS_PORT: String(port) }),
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  }));
  const all = [metaSim, webhooks, api, ...workers.map((w) => w.process)];
  cleanups.push(async () => {
    for (const proc of all) await proc.kill();
  });

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const metaSimUrl = `http://127.0.0.1:${simPort}`;
  await waitReady(`${metaSimUrl}/healthz`);
  await waitReady(`http://127.0.0.1:${webhooksPort}/readyz`);
  await waitReady(`${apiUrl}/readyz`);
  for (const worker of workers) await waitReady(worker.readyUrl);

  // The demo business in meta-sim and Dak, with credit for every scenario and a fast number.
  const business = demoBusiness(accessToken);
  const registered = await fetch(`${metaSimUrl}/_sim/businesses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(business),
  });
  if (!registered.ok) throw new Error(`meta-sim refused the business: ${await registered.text()}`);
  const admin = adminClient(apiUrl, adminToken);
  // The key's limit is raised so the scenarios measure faults, not the default 100 requests/s.
  const seeded = await seedAccount(admin, business, { credit: '100000.00', requestsPerSecond: 10_000 });
  await admin.updatePhoneNumber(DEMO.metaPhoneNumberId, { mps: MPS });
  await fetch(`${metaSimUrl}/_sim/phone-numbers/${DEMO.metaPhoneNumberId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mps: MPS }),
  });
  // Workers cache a number's settings for 30 s; the new rate must be in force before load starts.
  await Promise.all(
    workers.map(async (w) => {
      await w.process.stop();
      w.process.start();
      await waitReady(w.readyUrl);
    }),
  );

  const world: ChaosWorld = {
    db,
    pg,
    redis,
    api,
    apiUrl,
    workers,
    metaSimUrl,
    metaPhoneNumberId: DEMO.metaPhoneNumberId,
    target: { apiUrl: () => apiUrl, apiKey: seeded.apiKey!, metaPhoneNumberId: DEMO.metaPhoneNumberId },
  };
  console.log(
    `chaos: Postgres :${pg.port}, Redis :${redis.port}, api :${apiPort}, webhooks :${webhooksPort}, meta-sim :${simPort}, ${WORKERS} workers; ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  // CHAOS_ONLY=redis runs only the scenarios whose name contains it (while working on one).
  const only = process.env.CHAOS_ONLY?.toLowerCase();
  const chosen = scenarios.filter((s) => !only || s.name.toLowerCase().includes(only));
  let failed = 0;
  for (const scenario of chosen) {
    const scenarioStarted = Date.now();
    let line: string;
    try {
      const tally = await scenario.run(world);
      const verdict = await checkInvariants({
        db,
        metaSimUrl,
        tally,
        exits,
        sendLeaseMs: SEND_LEASE_MS,
        finalWaitMs: FINAL_WAIT_MS,
        since: scenarioStarted,
      });
      const seconds = ((Date.now() - scenarioStarted) / 1000).toFixed(1);
      const summary = `accepted ${tally.accepted.length}; ${describeTally(tally)}; ${verdict.notes.join('; ')}; ${seconds} s`;
      if (verdict.failures.length > 0) failed += 1;
      line = `${verdict.failures.length === 0 ? 'PASS' : 'FAIL'}  ${scenario.name}: ${summary}${verdict.failures.length ? `\n      ${verdict.failures.join('\n      ')}` : ''}`;
    } catch (error) {
      failed += 1;
      line = `FAIL  ${scenario.name}: ${(error as Error).stack ?? String(error)}`;
    }
    console.log(line);
  }

  // The end of the night: everything still answers webhooks correctly and stops cleanly.
  const webhookErrors = await webhookServerErrors(metaSimUrl);
  const stopCodes = await Promise.all(all.map(async (proc) => [proc.name, await proc.stop()] as const));
  const unclean = stopCodes.filter(([, code]) => code !== 0);
  const crashes = exits.filter((e) => !e.expected);
  const { rows } = await sql<{ total: number; final: number }>`
    select count(*)::int as total, count(*) filter (where status in ('sent', 'delivered', 'read', 'failed'))::int as final from messages`.execute(
    db,
  );
  if (webhookErrors.length > 0 || unclean.length > 0 || crashes.length > 0) failed += 1;
  console.log(
    `${failed === 0 ? 'PASS' : 'FAIL'}  summary: ${chosen.length} scenarios, ${failed} failed; ${rows[0]?.final}/${rows[0]?.total} messages final; ` +
      `webhook 5xx other than 503: ${webhookErrors.length}; crashes: ${crashes.length}; graceful stops not 0: ${unclean.map(([n, c]) => `${n}=${c}`).join(' ') || 'none'}; ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  return failed === 0 ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error('chaos: could not run', error);
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // best effort: the temp dirs and processes of this run only
    }
  }
  log.end();
}
process.exit(exitCode);
