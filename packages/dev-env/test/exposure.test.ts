import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@dak/config';
import { createLogger, listen, listenMetrics, type RunningServer } from '@dak/http';
import { createSimLogger, startMetaSim } from '@dak/meta-sim';
import { startStack, type TestStack } from '../src/index';
import { EventApplier, closeWebhooksContext, createWebhooksApp, createWebhooksContext } from '@dak/webhooks';
import { closeApiContext, createApiContext, createApp } from '@dak/api';

/** A pino destination the test reads back. */
function captured() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}

function expectSecurityHeaders(response: Response, what: string) {
  expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(response.headers.get('x-frame-options'), what).toBe('DENY');
  expect(response.headers.get('x-powered-by'), what).toBeNull();
}

// What Dak's listeners show to whoever reaches them: security headers on every answer, the
// handshake's echo, /metrics only on the internal listener, /readyz without error text, and
// logs without secrets (issue 7, "Low").
describe('what the listeners expose', () => {
  let stack: TestStack;
  let apiKey: string;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ apiKey } = await stack.seedDemo());
  });
  afterAll(() => stack?.close());

  const handshake = (query: Record<string, string>) =>
    fetch(`${stack.webhooks.url}/webhooks/meta?${new URLSearchParams(query)}`);
  const verifyToken = () => stack.config.meta.verifyToken;

  it('every answer of the API, the webhook receiver, a metrics listener and meta-sim carries the security headers', async () => {
    const metrics = await listenMetrics(stack.api.ctx.metrics, { port: 0, host: '127.0.0.1' });
    try {
      const answers: [string, Response][] = [
        [
          'api 200',
          await fetch(`${stack.api.url}/api/whatsapp/v1/wallet`, { headers: { authorization: `Bearer ${apiKey}` } }),
        ],
        ['api 401', await fetch(`${stack.api.url}/api/whatsapp/v1/wallet`)],
        ['api 404', await fetch(`${stack.api.url}/nothing-here`)],
        ['api /docs', await fetch(`${stack.api.url}/docs/`)],
        ['api /openapi.json', await fetch(`${stack.api.url}/openapi.json`)],
        ['api /healthz', await fetch(`${stack.api.url}/healthz`)],
        [
          'webhooks handshake',
          await handshake({
            'hub.mode': 'subscribe',
            'hub.verify_token': verifyToken(),
            'hub.challenge': '1158201444',
          }),
        ],
        ['webhooks 401', await fetch(`${stack.webhooks.url}/webhooks/meta`, { method: 'POST', body: '{}' })],
        ['metrics listener', await fetch(`${metrics.url}/metrics`)],
        ['meta-sim', await fetch(`${stack.sim.url}/healthz`)],
      ];
      for (const [what, response] of answers) expectSecurityHeaders(response, what);
      const docs = answers.find(([what]) => what === 'api /docs')![1];
      expect(docs.status).toBe(200);
      expect(docs.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(docs.headers.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
    } finally {
      await metrics.close();
    }
  });

  it("the handshake echoes hub.challenge only when it is Meta's plain number", async () => {
    const ok = await handshake({
      'hub.mode': 'subscribe',
      'hub.verify_token': verifyToken(),
      'hub.challenge': '1158201444',
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');

    for (const challenge of ['<script>alert(1)</script>', '12ab', '', '1'.repeat(33), '1158201444\n<html>']) {
      const refused = await handshake({
        'hub.mode': 'subscribe',
        'hub.verify_token': verifyToken(),
        'hub.challenge': challenge,
      });
      expect(refused.status, JSON.stringify(challenge)).toBe(400);
      const body = await refused.json();
      expect(body).toMatchObject({
        success: false,
        error: { code: 'invalid_challenge', message: 'hub.challenge must be the number Meta sends: 1 to 32 digits.' },
      });
    }
    const wrongToken = await handshake({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '<b>' });
    expect(wrongToken.status).toBe(403);

    // meta-sim's own handshake sends a number, as Meta does.
    const simulated = await fetch(`${stack.sim.url}/_sim/webhook-verify`, { method: 'POST' });
    expect(await simulated.json()).toMatchObject({
      ok: true,
      status: 200,
      challenge: expect.stringMatching(/^\d{10}$/),
    });
  });

  it('/metrics is served on the internal listener only, not on the public API or webhook listeners', async () => {
    expect((await fetch(`${stack.api.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${stack.webhooks.url}/metrics`)).status).toBe(404);
    const config = loadConfig({});
    expect(config.metricsHost).toBe('127.0.0.1');
    expect([config.ports.apiMetrics, config.ports.webhooksMetrics]).toEqual([3100, 3101]);

    const metrics = await listenMetrics(stack.webhooks.ctx.registry, { port: 0, host: config.metricsHost });
    try {
      const response = await fetch(`${metrics.url}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('dak_webhooks_received_total');
      expect((await fetch(`${metrics.url}/readyz`)).status).toBe(404);
    } finally {
      await metrics.close();
    }
  });

  it('/readyz says only ready or not, never why', async () => {
    const ready = await fetch(`${stack.api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true });

    // An API whose Redis is unreachable: not ready, and the answer names no host or error.
    const log = captured();
    const ctx = createApiContext(
      loadConfig({
        ...process.env,
        DATABASE_URL: stack.database.url,
        REDIS_URL: 'redis://127.0.0.1:1',
        LOG_LEVEL: 'warn',
      }),
      {
        logger: createLogger({ name: 'api', level: 'warn', destination: log.stream }),
      },
    );
    // The refused connections are this test's point, not noise for its output.
    for (const emitter of [ctx.redis, ctx.queues.send, ctx.queues.maintenance]) emitter.on('error', () => undefined);
    const server = await listen(createApp(ctx), 0);
    try {
      const notReady = await fetch(`${server.url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.text()).toBe('{"ok":false}');
      expect(log.text()).toMatch(/"msg":"not ready"/);
    } finally {
      await server.close();
      await closeApiContext(ctx);
    }
  });

  it("no secret reaches the logs: the handshake's verify token, a Bearer key, meta-sim's access token", async () => {
    const log = captured();
    const logger = createLogger({ name: 'dak', level: 'debug', destination: log.stream });
    const apiCtx = createApiContext(stack.config, { logger });
    const webhooksCtx = createWebhooksContext(stack.config, { logger });
    const applier = new EventApplier(webhooksCtx);
    const api = await listen(createApp(apiCtx), 0);
    const webhooks = await listen(createWebhooksApp(webhooksCtx, applier), 0);
    const simLog = captured();
    const sim = await startMetaSim({
      appSecret: 'exposure-test-secret',
      logger: createSimLogger('debug', simLog.stream),
      businesses: [],
    });
    const servers: RunningServer[] = [api, webhooks];
    try {
      const query = new URLSearchParams({
        'hub.mode': 'subscribe',
        'hub.verify_token': verifyToken(),
        'hub.challenge': '42',
      });
      expect((await fetch(`${webhooks.url}/webhooks/meta?${query}`)).status).toBe(200);
      expect(
        (
          await fetch(`${api.url}/api/whatsapp/v1/wallet?key=${apiKey}`, {
            headers: { authorization: `Bearer ${apiKey}` },
          })
        ).status,
      ).toBe(200);
      expect(
        (await fetch(`${api.url}/api/whatsapp/v1/wallet`, { headers: { authorization: `Bearer ${apiKey}x` } })).status,
      ).toBe(401);
      const simToken = `EAAG${'s'.repeat(40)}`;
      await fetch(`${sim.url}/v23.0/1234567890/message_templates?access_token=${simToken}`, {
        headers: { authorization: `Bearer ${simToken}` },
      });

      const dakLog = log.text();
      // The requests were logged, without their query or credentials.
      expect(dakLog).toMatch(/"url":"\/webhooks\/meta"/);
      expect(dakLog).toMatch(/"url":"\/api\/whatsapp\/v1\/wallet"/);
      expect(dakLog).not.toContain(verifyToken());
      expect(dakLog).not.toContain(apiKey);
      const simText = simLog.text();
      expect(simText).toMatch(/"authorization":"\[redacted\]"/);
      expect(simText).not.toContain(simToken);
    } finally {
      for (const server of servers) await server.close();
      await sim.close();
      await applier.stop();
      await closeWebhooksContext(webhooksCtx);
      await closeApiContext(apiCtx);
    }
  });
});
