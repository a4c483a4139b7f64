// Postgres and Redis of the chaos run's own, on free loopback ports, so scenarios can stop,
// kill and restart them without touching anything else on the machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@dak/dev-env/processes';

export { freePort };

function postgresBin(): string {
  for (const version of ['17', '16', '15', '14']) {
    const dir = `/usr/lib/postgresql/${version}/bin`;
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  throw new Error('no Postgres server binaries found under /usr/lib/postgresql/<version>/bin');
}

/** Postgres refuses to run as root: as root, its commands run as the `postgres` user. */
function asPostgres(command: string, args: string[]): { command: string; args: string[] } {
  return process.getuid?.() === 0
    ? { command: 'runuser', args: ['-u', 'postgres', '--', command, ...args] }
    : { command, args };
}

function run(command: string, args: string[]): void {
  const wrapped = asPostgres(command, args);
  const result = spawnSync(wrapped.command, wrapped.args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
}

export class PostgresCluster {
  private readonly bin = postgresBin();
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PostgresCluster> {
    const base = mkdtempSync(join(tmpdir(), 'dak-chaos-pg-'));
    if (process.getuid?.() === 0) {
      const { uid, gid } = idsOf('postgres');
      chownSync(base, uid, gid);
    }
    const cluster = new PostgresCluster(base, await freePort());
    run(join(cluster.bin, 'initdb'), ['-D', join(base, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    cluster.start();
    return cluster;
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  private ctl(args: string[]): void {
    run(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), ...args]);
  }

  start(): void {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
    this.ctl(['-o', options, '-l', join(this.dir, 'postgres.log'), '-w', 'start']);
  }

  /** A fast restart: every session gets 57P01, then connections are refused, then 57P03 while it starts. */
  restart(): void {
    this.ctl(['-m', 'fast', '-w', 'stop']);
    this.start();
  }

  stop(): void {
    this.ctl(['-m', 'immediate', '-w', 'stop']);
  }

  destroy(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function idsOf(user: string): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

export class RedisServer {
  private child: ChildProcess | undefined;
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<RedisServer> {
    const server = new RedisServer(mkdtempSync(join(tmpdir(), 'dak-chaos-redis-')), await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // No automatic snapshots: a restart keeps the data only when the scenario saves it.
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir],
      {
        stdio: 'ignore',
      },
    );
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (this.cli(['ping']).trim() === 'PONG') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  cli(args: string[]): string {
    return spawnSync('redis-cli', ['-p', String(this.port), ...args], { encoding: 'utf8' }).stdout ?? '';
  }

  /** Stops Redis, keeping its data (a snapshot on shutdown) or losing all of it, then starts it again. */
  async restart(keepData: boolean): Promise<void> {
    const exited = new Promise((resolve) => this.child?.once('exit', resolve));
    this.cli(['shutdown', keepData ? 'save' : 'nosave']);
    await exited;
    if (!keepData) rmSync(join(this.dir, 'dump.rdb'), { force: true });
    await this.start();
  }

  destroy(): void {
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
