// Dak's processes, each its own Node process as in production, so a scenario can SIGKILL one
// and start it again. They run compiled JavaScript: `apps/<name>/dist/main.js` when `pnpm build`
// made it, else one bundle per app built here with esbuild (a restart under tsx compiles
// hundreds of files again, which on a loaded 2-core machine takes a minute).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export type AppName = 'meta-sim' | 'webhooks' | 'api' | 'worker';

export interface Exit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** A kill the scenario asked for (SIGKILL, SIGTERM), not a crash. */
  expected: boolean;
  at: number;
}

export class DakProcess {
  private child: ChildProcess | undefined;
  private expectingExit = false;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: Record<string, string>,
    private readonly log: WriteStream,
    private readonly onExit: (exit: Exit) => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const child = spawn(process.execPath, [this.entry], { cwd: root, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.expectingExit = false;
    child.stdout!.on('data', (chunk: Buffer) => this.log.write(chunk));
    child.stderr!.on('data', (chunk: Buffer) => this.log.write(`[${this.name} stderr] ${chunk}`));
    child.on('exit', (code, signal) => {
      this.log.write(`[${this.name}] exited code=${code} signal=${signal}\n`);
      this.onExit({ name: this.name, code, signal, expected: this.expectingExit, at: Date.now() });
    });
    this.child = child;
  }

  /** SIGKILL: no shutdown code runs, as when a host dies or the OOM killer strikes. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM and wait; returns the exit code (a graceful stop exits 0). */
  async stop(): Promise<number | null> {
    return this.signal('SIGTERM');
  }

  private signal(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child?.exitCode ?? null);
    this.expectingExit = true;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }
}

/** The JavaScript entry point of an app: its `pnpm build` output, or a bundle made in `outDir`. */
export async function compiledEntry(app: AppName, outDir: string): Promise<string> {
  const built = join(root, 'apps', app, 'dist', 'main.js');
  if (existsSync(built)) return built;
  const outfile = join(outDir, `${app}.mjs`);
  await build({
    entryPoints: [join(root, 'apps', app, 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    plugins: [dependenciesStayPut],
    logLevel: 'error',
  });
  return outfile;
}

/**
 * Only Dak's own TypeScript goes into the bundle. Every other package is imported from where
 * pnpm installed it (by absolute path, so resolution does not depend on the bundle's folder),
 * and keeps its files next to it (swagger-ui's assets, bullmq's scripts).
 */
const dependenciesStayPut: Plugin = {
  name: 'dependencies-stay-put',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.path.startsWith('@dak/') || args.pluginData === 'resolving') return undefined;
      const resolved = await builder.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'resolving' });
      if (resolved.errors.length > 0) return undefined;
      return { path: resolved.external ? args.path : resolved.path, external: true };
    });
  },
};

export function processLog(path: string): WriteStream {
  return createWriteStream(path, { flags: 'a' });
}

/** Polls a URL until it answers 200. */
export async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}
