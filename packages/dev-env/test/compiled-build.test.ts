import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testRedisUrl, uniquePrefix, waitFor, type TestDatabase } from '../src/index';

// What production runs: `pnpm build`, then plain `node <entry>.js`, no TypeScript loader. A
// build that cannot load a package, or a bundle that breaks one, turns this red.
const root = resolve(import.meta.dirname, '../../..');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs node with only the given environment (nothing inherited from the test run). */
function runNode(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; finished: Promise<Finished> } {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const finished = new Promise<Finished>((resolveExit) =>
    child.on('close', (code) => resolveExit({ code, stdout, stderr })),
  );
  return { child, output: () => stdout, finished };
}

const published = {
  NODE_ENV: 'production',
  DAK_ADMIN_TOKEN: 'local-admin-token-change-me',
  DAK_ENCRYPTION_KEY: '0'.repeat(62) + 'da',
  META_APP_SECRET: 'dak-local-app-secret',
  META_VERIFY_TOKEN: 'dak-local-verify-token',
};

describe('the compiled build', () => {
  let database: TestDatabase;
  let production: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    production = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: uniquePrefix('dak-dist'),
      DAK_ADMIN_TOKEN: randomBytes(24).toString('hex'),
      DAK_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      META_APP_SECRETS: `${randomBytes(16).toString('hex')},${randomBytes(16).toString('hex')}`,
      META_VERIFY_TOKEN: randomBytes(8).toString('hex'),
      META_GRAPH_URL: 'https://graph.facebook.com',
    };
    // `pnpm build` is this command.
    const build = await runNode(['--import', 'tsx', 'scripts/build.ts'], {}).finished;
    expect(build.code, build.stderr).toBe(0);
  }, 60_000);
  afterAll(() => database?.drop());

  it('starts the API with plain node in production, answering /healthz, /readyz and the docs assets', async () => {
    const api = runNode(['apps/api/dist/main.js'], {
      ...production,
      PORT: '0',
      API_METRICS_PORT: '0',
      HOST: '127.0.0.1',
    });
    try {
      const url = await waitFor(
        () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"api listening"/.exec(api.output())?.[1],
        { timeoutMs: 25_000, intervalMs: 50, what: 'the compiled API to listen' },
      );
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // Listening comes first; /readyz turns ok once its Redis and Postgres connections are up.
      await waitFor(async () => ((await (await fetch(`${url}/readyz`)).json()) as { ok: boolean }).ok || undefined, {
        timeoutMs: 10_000,
        intervalMs: 50,
        what: 'the compiled API to answer /readyz with ok: true',
      });
      // swagger-ui-dist serves its files from its own package directory.
      expect((await fetch(`${url}/docs/swagger-ui.css`)).status).toBe(200);
    } finally {
      api.child.kill('SIGTERM');
      expect((await api.finished).code).toBe(0);
    }
  });

  it('every process loads and, in production, refuses the published secrets in one message', async () => {
    const refused = await Promise.all(
      ['apps/api/dist/main.js', 'apps/worker/dist/main.js', 'apps/webhooks/dist/main.js'].map(
        (entry) => runNode([entry], published).finished,
      ),
    );
    for (const { code, stderr } of refused) {
      expect(code).toBe(1);
      expect(stderr).toContain('ConfigError: Invalid configuration:\n  - DAK_ADMIN_TOKEN: refused in production');
      for (const variable of ['DAK_ENCRYPTION_KEY', 'META_APP_SECRETS or META_APP_SECRET', 'META_VERIFY_TOKEN']) {
        expect(stderr).toContain(`  - ${variable}: refused in production, this value is published`);
      }
      expect(stderr).toContain('  - META_GRAPH_URL: required in production');
    }
  });

  it('migrates with plain node, and meta-sim and the demo seed load', async () => {
    const [migrate, metaSim, seed] = await Promise.all([
      runNode(['packages/db/dist/migrate-cli.js'], production).finished,
      runNode(['apps/meta-sim/dist/main.js'], { META_SIM_PORT: 'not-a-port' }).finished,
      runNode(['scripts/dist/seed-demo.js'], {}).finished,
    ]);
    expect(migrate).toMatchObject({ code: 0, stdout: 'database is up to date\n' });
    expect(metaSim.code).toBe(1);
    expect(metaSim.stderr).toContain('ConfigError: Invalid configuration:\n  - META_SIM_PORT:');
    expect(seed.code).toBe(1);
    expect(seed.stderr).toContain('DAK_ADMIN_TOKEN is required');
  });
});
