// Dak's processes, each its own Node process as in production, so a scenario can SIGKILL one
// and start it again (run.ts starts them from the compiled build).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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
    /** Node's arguments: the app's entry (see appCommand in @dak/dev-env). */
    private readonly args: string[],
    private readonly env: Record<string, string>,
    private readonly log: WriteStream,
    private readonly onExit: (exit: Exit) => void,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const child = spawn(process.execPath, this.args, { cwd: root, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
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
