// `npm start`: Dak on this machine in one command. Creates the database if missing, migrates,
// starts meta-sim, the webhook receiver, the API and a worker as separate processes, seeds a
// demo account and prints a ready curl. Ctrl-C stops everything.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pinoPretty from 'pino-pretty';
import { LOCAL_SECRETS_FILE, loadConfig, readLocalSecrets } from '@dak/config';
import { createDatabase, ensureDatabaseExists, migrateToLatest } from '@dak/db';
import { DEMO } from '@dak/dev-env/demo';
import { quickstart, seedDemo } from './seed-demo';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stateDir = join(root, '.dak');
const secretsFile = join(root, LOCAL_SECRETS_FILE);

/** Secrets generated on the first start and kept in .dak/local.env (git-ignored). */
function localSecrets(): Record<string, string> {
  mkdirSync(stateDir, { recursive: true });
  const saved = existsSync(secretsFile) ? readLocalSecrets(secretsFile) : {};
  const generated = {
    DAK_ADMIN_TOKEN: saved.DAK_ADMIN_TOKEN ?? randomBytes(24).toString('hex'),
    DAK_ENCRYPTION_KEY: saved.DAK_ENCRYPTION_KEY ?? randomBytes(32).toString('hex'),
    DEMO_ACCESS_TOKEN: saved.DEMO_ACCESS_TOKEN ?? `EAAG${randomBytes(24).toString('hex')}`,
    ...(saved.DEMO_API_KEY ? { DEMO_API_KEY: saved.DEMO_API_KEY } : {}),
  };
  saveSecrets(generated);
  return generated;
}

function saveSecrets(values: Record<string, string>) {
  writeFileSync(
    secretsFile,
    `${Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')}\n`,
    { mode: 0o600 },
  );
}

const secrets = localSecrets();
// The environment wins over the generated values, so an operator can bring their own.
const env: Record<string, string> = {
  DAK_ADMIN_TOKEN: secrets.DAK_ADMIN_TOKEN!,
  DAK_ENCRYPTION_KEY: secrets.DAK_ENCRYPTION_KEY!,
  ...(process.env as Record<string, string>),
};
const config = loadConfig(env);

async function prepareDatabase() {
  try {
    if (await ensureDatabaseExists(config.db.url))
      console.log(`created database ${new URL(config.db.url).pathname.slice(1)}`);
  } catch (error) {
    console.error(
      `Postgres does not answer at ${config.db.url} (${(error as Error).message}).\nStart it (e.g. pg_ctlcluster 15 main start) or set DATABASE_URL.`,
    );
    process.exit(1);
  }
  const db = createDatabase({ url: config.db.url, poolSize: 1 });
  try {
    const { results = [] } = await migrateToLatest(db);
    for (const r of results) console.log(`migration ${r.migrationName}: ${r.status}`);
  } finally {
    await db.destroy();
  }
}

const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

function startProcess(name: string, entry: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...env, NODE_ENV: env.NODE_ENV ?? 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pretty = pinoPretty({
    colorize: process.stdout.isTTY,
    ignore: 'pid,hostname',
    messageFormat: `[${name}] {msg}`,
    destination: 1,
  });
  child.stdout!.pipe(pretty);
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(
        `${name} exited (${signal ?? code}); stopping Dak. Is another Dak already using ports ${config.ports.api}/${config.ports.webhooks}/${config.ports.metaSim}?`,
      );
      void stop(1);
    }
  });
  children.push({ name, child });
}

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const { child } of children) child.kill('SIGTERM');
  await Promise.all(
    children.map(
      ({ child }) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve))),
    ),
  );
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

async function waitReady(url: string, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not become ready at ${url}`);
}

async function main() {
  await prepareDatabase();
  startProcess('meta-sim', 'apps/meta-sim/src/main.ts');
  startProcess('webhooks', 'apps/webhooks/src/main.ts');
  startProcess('api', 'apps/api/src/main.ts');
  startProcess('worker', 'apps/worker/src/main.ts');

  const api = `http://127.0.0.1:${config.ports.api}`;
  const metaSim = `http://127.0.0.1:${config.ports.metaSim}`;
  await waitReady(`${metaSim}/healthz`, 'meta-sim');
  await waitReady(`http://127.0.0.1:${config.ports.webhooks}/readyz`, 'webhooks');
  await waitReady(`${api}/readyz`, 'api');

  const seeded = await seedDemo({
    apiUrl: api,
    metaSimUrl: metaSim,
    adminToken: env.DAK_ADMIN_TOKEN!,
    accessToken: secrets.DEMO_ACCESS_TOKEN!,
    apiKey: secrets.DEMO_API_KEY,
  });
  if (seeded.apiKey !== secrets.DEMO_API_KEY) saveSecrets({ ...secrets, DEMO_API_KEY: seeded.apiKey });
  console.log(`
Dak is running: API ${api}  webhooks http://127.0.0.1:${config.ports.webhooks}  meta-sim ${metaSim}
Metrics (internal listeners): http://${config.metricsHost}:${config.ports.apiMetrics}/metrics (api), http://${config.metricsHost}:${config.ports.webhooksMetrics}/metrics (webhooks)
Demo account ${seeded.accountId} (WABA ${DEMO.wabaId}), phone number ${DEMO.metaPhoneNumberId}, ${seeded.synced} templates, credit ${DEMO.credit} INR.
Admin token: ${env.DAK_ADMIN_TOKEN}   (saved in .dak/local.env)
Demo API key: ${seeded.apiKey}

${quickstart(api, seeded.apiKey)}
Ctrl-C stops Dak.
`);
}

main().catch((error) => {
  console.error(error);
  void stop(1);
});
