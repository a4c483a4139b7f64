import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadMetaSimConfig } from '@dak/config';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadSeedFile, optionsFromConfig } from '../src/index';
import { acmeBusiness, plainSend, Receiver } from './helpers';

const root = resolve(import.meta.dirname, '../../..');

describe('loadMetaSimConfig', () => {
  it('has local defaults that match Dak', () => {
    const config = loadMetaSimConfig({});
    expect(config).toMatchObject({
      port: 3002,
      host: '127.0.0.1',
      appSecret: 'dak-local-app-secret',
      verifyToken: 'dak-local-verify-token',
      webhookUrl: 'http://127.0.0.1:3001/webhooks/meta',
      seedFile: undefined,
      randomSeed: undefined,
      webhookDelaysMs: { sent: 100, delivered: 500, read: 1_500 },
      defaultMps: 80,
      throughputTolerance: 0.1,
      pairRateLimit: { burst: 45, intervalMs: 6_000 },
      templateReviewDelayMs: 2_000,
    });
  });

  it('reads every knob and reports every problem at once', () => {
    const config = loadMetaSimConfig({
      META_SIM_PORT: '0',
      META_SIM_WEBHOOK_URL: 'none',
      META_SIM_RANDOM_SEED: '7',
      META_SIM_SENT_DELAY_MS: '1',
      META_SIM_WEBHOOK_BATCH_SIZE: '500',
      META_SIM_DUPLICATE_RATE: '0.25',
      META_SIM_PAIR_BURST: '0',
    });
    expect(config).toMatchObject({ port: 0, webhookUrl: undefined, randomSeed: 7, pairRateLimit: { burst: 0 } });
    expect(config.webhookDelaysMs.sent).toBe(1);
    expect(config.webhook).toMatchObject({ batchSize: 500, duplicateRate: 0.25 });
    const error = (() => {
      try {
        loadMetaSimConfig({ META_SIM_PORT: 'x', META_SIM_DUPLICATE_RATE: '3' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'META_SIM_PORT',
      'META_SIM_DUPLICATE_RATE',
    ]);
  });

  it('maps onto options and loads a seed file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meta-sim-'));
    try {
      const file = join(dir, 'seed.json');
      await writeFile(file, JSON.stringify({ businesses: [acmeBusiness()] }));
      const businesses = await loadSeedFile(file);
      expect(businesses[0]?.templates).toHaveLength(5);
      const options = optionsFromConfig(
        loadMetaSimConfig({ META_SIM_DELAY_JITTER_MS: '5' }),
        businesses,
        pino({ level: 'silent' }),
      );
      expect(options).toMatchObject({ port: 3002, webhook: { jitterMs: 5, batchSize: 100 }, businesses });
      await writeFile(file, JSON.stringify({ businesses: [{ waba_id: 'x' }] }));
      await expect(loadSeedFile(file)).rejects.toThrow(/access_token/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('main.ts', () => {
  it('starts from the environment and a seed file, serves sends, and stops on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meta-sim-'));
    const receiver = await new Receiver().start();
    try {
      const seed = join(dir, 'seed.json');
      await writeFile(seed, JSON.stringify({ businesses: [acmeBusiness()] }));
      const child = spawn(join(root, 'node_modules/.bin/tsx'), [join(root, 'apps/meta-sim/src/main.ts')], {
        env: {
          ...process.env,
          META_SIM_PORT: '0',
          META_SIM_SEED_FILE: seed,
          META_SIM_WEBHOOK_URL: receiver.url,
          META_APP_SECRET: 'test-app-secret',
          META_SIM_SENT_DELAY_MS: '1',
          META_SIM_DELIVERED_DELAY_MS: '2',
          META_SIM_READ_DELAY_MS: '3',
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      const deadline = Date.now() + 15_000;
      while (!/"url":"([^"]+)"/.test(output)) {
        if (Date.now() > deadline) throw new Error(`meta-sim did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const url = /"url":"([^"]+)"/.exec(output)?.[1] as string;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const reply = await fetch(`${url}/v23.0/200000000000001/messages`, {
        method: 'POST',
        headers: { authorization: 'Bearer token-acme', 'content-type': 'application/json' },
        body: JSON.stringify(plainSend('919820388810')),
      });
      expect(reply.status).toBe(200);
      await receiver.waitFor((r) => r.statuses().length === 3);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('meta-sim stopped');
    } finally {
      await receiver.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
