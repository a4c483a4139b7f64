// Dak as users run it: each app its own Node process, from the compiled build when there is one
// (`pnpm build`), else through tsx. Used by the benchmarks, which must measure what production
// runs, and by anything else that needs real processes to kill and restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

export type DakApp = 'api' | 'webhooks' | 'worker' | 'meta-sim';

/** The command line that runs an app: its compiled `dist/main.js`, else its TypeScript through tsx. */
export function appCommand(app: DakApp): { args: string[]; compiled: boolean } {
  const compiled = join(REPOSITORY_ROOT, 'apps', app, 'dist', 'main.js');
  if (existsSync(compiled)) return { args: [compiled], compiled: true };
  return { args: ['--import', 'tsx', join(REPOSITORY_ROOT, 'apps', app, 'src', 'main.ts')], compiled: false };
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface DakProcess {
  name: string;
  child: ChildProcess;
  /** Seconds of CPU (user + system) this process has used so far, from /proc. */
  cpuSeconds(): number;
  /** The last lines it printed, for error messages. */
  output(): string;
}

const CLOCK_TICKS = 100;

function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // /proc/<pid>/stat: the command is in parentheses and may hold spaces; utime and stime are
    // the 12th and 13th fields after it.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Starts one Dak app (or any Node script) with the given environment; its output is kept, not printed. */
export function startProcess(name: string, args: string[], env: Record<string, string>): DakProcess {
  const child = spawn(process.execPath, args, {
    cwd: REPOSITORY_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { name, child, cpuSeconds: () => cpuSecondsOf(child.pid), output: () => tail };
}

export async function stopProcess(
  process: DakProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  timeoutMs = 15_000,
): Promise<void> {
  const { child } = process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `url` until it answers 2xx; fails with the process's output if it exits or takes too long. */
export async function waitForHttp(url: string, process: DakProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.child.exitCode !== null)
      throw new Error(`${process.name} exited (${process.child.exitCode}):\n${process.output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${process.name} did not answer ${url} within ${timeoutMs} ms:\n${process.output()}`);
}

export interface DakProcessesOptions {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  workers?: number;
  /** Added to every Dak process's environment (and to meta-sim's). */
  env?: Record<string, string>;
  metaSimEnv?: Record<string, string>;
  /** Node flags for the Dak apps (not meta-sim), e.g. `--cpu-prof` to profile them. */
  nodeArgs?: string[];
}

export interface DakProcesses {
  apiUrl: string;
  webhooksUrl: string;
  metaSimUrl: string;
  adminToken: string;
  /** Whether the apps run from the compiled build (`pnpm build`) or through tsx. */
  compiled: boolean;
  api: DakProcess;
  webhooks: DakProcess;
  metaSim: DakProcess;
  workers: DakProcess[];
  all(): DakProcess[];
  stop(): Promise<void>;
}

/**
 * Dak's four apps as production runs them (NODE_ENV=production, secrets of their own), each a
 * process on free loopback ports, against the given database (migrated) and Redis prefix.
 */
export async function startDakProcesses(options: DakProcessesOptions): Promise<DakProcesses> {
  const [apiPort, webhooksPort, metaSimPort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(24).toString('hex');
  const appSecret = randomBytes(24).toString('hex');
  const verifyToken = randomBytes(12).toString('hex');
  const metaSimUrl = `http://127.0.0.1:${metaSimPort}`;
  const webhooksUrl = `http://127.0.0.1:${webhooksPort}`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    QUEUE_PREFIX: options.queuePrefix,
    DAK_ADMIN_TOKEN: adminToken,
    DAK_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    META_GRAPH_URL: metaSimUrl,
    META_APP_SECRET: appSecret,
    META_VERIFY_TOKEN: verifyToken,
    PORT: String(apiPort),
    WEBHOOKS_PORT: String(webhooksPort),
    META_SIM_PORT: String(metaSimPort),
    WORKER_METRICS_PORT: '0',
    API_METRICS_PORT: '0',
    WEBHOOKS_METRICS_PORT: '0',
    ...options.env,
  };
  const started: DakProcess[] = [];
  const launch = (name: string, app: DakApp, extra: Record<string, string> = {}) => {
    const flags = app === 'meta-sim' ? [] : (options.nodeArgs ?? []);
    const process = startProcess(name, [...flags, ...appCommand(app).args], { ...env, ...extra });
    started.push(process);
    return process;
  };
  try {
    const metaSim = launch('meta-sim', 'meta-sim', {
      META_SIM_WEBHOOK_URL: `${webhooksUrl}/webhooks/meta`,
      ...options.metaSimEnv,
    });
    const webhooks = launch('webhooks', 'webhooks');
    const api = launch('api', 'api');
    const workers = Array.from({ length: options.workers ?? 1 }, (_, i) => launch(`worker-${i + 1}`, 'worker'));
    await waitForHttp(`${metaSimUrl}/healthz`, metaSim);
    await waitForHttp(`${webhooksUrl}/healthz`, webhooks);
    await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`, api);
    return {
      apiUrl: `http://127.0.0.1:${apiPort}`,
      webhooksUrl,
      metaSimUrl,
      adminToken,
      compiled: appCommand('api').compiled,
      api,
      webhooks,
      metaSim,
      workers,
      all: () => [...started],
      stop: () => Promise.all(started.map((p) => stopProcess(p))).then(() => undefined),
    };
  } catch (error) {
    await Promise.all(started.map((p) => stopProcess(p, 'SIGKILL')));
    throw error;
  }
}
