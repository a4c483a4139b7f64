import { createServer, type Server } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiContext, createApp } from '@dak/api';
import { loadConfig } from '@dak/config';
import { createDatabase } from '@dak/db';
import { listen } from '@dak/http';
import {
  DEMO,
  orderUpdateRequest,
  postSignedWebhook,
  startStack,
  statusEnvelope,
  waitFor,
  type TestStack,
} from '@dak/dev-env';

// Postgres going away under a request: the request fails with a clear 503 (or, for Meta's
// webhooks, a non-200 that Meta retries), and the process stays up and serves the next one.
describe('a database connection lost under a request', () => {
  let stack: TestStack;
  let apiKey: string;
  let accountId: string;
  let admin: pg.Client;
  const unhandled: unknown[] = [];
  const onUnhandled = (error: unknown) => unhandled.push(error);

  beforeAll(async () => {
    process.on('uncaughtException', onUnhandled);
    process.on('unhandledRejection', onUnhandled);
    stack = await startStack({ worker: false });
    ({ apiKey, accountId } = await stack.seedDemo({ credit: '5.00' }));
    admin = new pg.Client({ connectionString: stack.database.url });
    await admin.connect();
  });
  afterAll(async () => {
    process.off('uncaughtException', onUnhandled);
    process.off('unhandledRejection', onUnhandled);
    await admin?.end();
    await stack?.close();
  });

  /** Holds `lockSql` in an open transaction on a connection of its own until `release` is called. */
  async function holdLock(lockSql: string, params: unknown[] = []) {
    const locker = new pg.Client({ connectionString: stack.database.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query(lockSql, params);
    return async () => {
      await locker.query('rollback');
      await locker.end();
    };
  }

  /** Waits for a backend of `applicationName` blocked on a lock, running `queryLike`, and terminates it. */
  async function terminateBlocked(applicationName: string, queryLike: string): Promise<void> {
    const pid = await waitFor(
      async () => {
        const { rows } = await admin.query<{ pid: number }>(
          `select pid from pg_stat_activity
           where datname = current_database() and application_name = $1 and wait_event_type = 'Lock' and query ilike $2`,
          [applicationName, queryLike],
        );
        return rows[0]?.pid;
      },
      { what: `a ${applicationName} query blocked on the lock` },
    );
    const { rows } = await admin.query<{ done: boolean }>('select pg_terminate_backend($1) as done', [pid]);
    expect(rows[0]?.done).toBe(true);
  }

  // With an Idempotency-Key the accept runs in a transaction: after the terminated statement
  // fails, Kysely's rollback is still queued on the dead connection when its 'error' event
  // fires, the moment a checked-out client has no listener of the pool's.
  it.each([
    ['alone', {}],
    ['in a transaction (Idempotency-Key)', { 'Idempotency-Key': 'terminated-mid-accept' }],
  ])(
    'a send (%s) whose connection is terminated while it waits on a lock gets 503 with Retry-After; the next send is accepted',
    async (_how, headers) => {
      const walletBefore = await stack.admin.wallet(accountId);
      const release = await holdLock('select * from wallets where account_id = $1 for update', [accountId]);
      const blocked = stack.call('POST', '/api/whatsapp/v1/send-message', {
        key: apiKey,
        body: orderUpdateRequest(),
        headers,
      });
      await terminateBlocked('dak-api', '%wallets%');
      const answer = await blocked;
      await release();

      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answer.body).toMatchObject({ success: false, error: { code: 'service_unavailable' } });
      // Nothing was stored or held for the failed request.
      expect(await stack.admin.wallet(accountId)).toEqual(walletBefore);

      // The process is up and serves the client's retry. (A retry sent at once can still meet the
      // dead connection if the pool hands it out before it has seen the socket close: a 503 too.)
      const next = await waitFor(
        async () => {
          const answer = await stack.call('POST', '/api/whatsapp/v1/send-message', {
            key: apiKey,
            body: orderUpdateRequest(),
            headers,
          });
          expect([200, 503], JSON.stringify(answer.body)).toContain(answer.status);
          return answer.status === 200 ? answer : undefined;
        },
        { intervalMs: 200, what: 'the retry to be accepted' },
      );
      expect(next.body).toMatchObject({ success: true, status: 'queued' });
      await stack.admin.topUp(accountId, { amount: '0.10', reference: `refill-${Date.now()}` });
      expect(unhandled).toEqual([]);
    },
  );

  it('a webhook POST whose connection is terminated gets a non-200, so Meta retries it; the retry is stored', async () => {
    const payload = statusEnvelope([
      {
        id: 'wamid.HBgLOTE5ODIwMzg4ODEwFQIAERgSQUJDREVGMDEyMzQ1Njc4OTAA',
        status: 'sent',
        timestamp: '1764547200',
        recipient_id: DEMO.recipient,
      },
    ]);
    const post = () => postSignedWebhook(stack, payload);
    const release = await holdLock('lock table message_events in exclusive mode');
    const blocked = post();
    await terminateBlocked('dak-webhooks', 'insert into "message_events"%');
    const answer = await blocked;
    await release();
    expect(answer.status).toBe(503);

    // Meta retries until it hears 200. (The first retry can still meet the dead connection if
    // it is handed out before the pool has seen the socket close; that one is a 503 as well.)
    await waitFor(async () => (await post()).status === 200, { intervalMs: 200, what: "Meta's retry to be stored" });
    const { rows } = await admin.query(
      "select count(*)::int as n from message_events where payload::text like '%QUJDREVGMDEyMzQ1Njc4OTAA%'",
    );
    expect(rows[0]?.n).toBe(1);
    expect(unhandled).toEqual([]);
  });
});

/**
 * A server that speaks just enough of Postgres's protocol to refuse every connection the way
 * a starting Postgres does: ErrorResponse FATAL 57P03 "the database system is starting up".
 */
function startingUpPostgres(): Promise<Server> {
  const field = (type: string, value: string) =>
    Buffer.concat([Buffer.from(type), Buffer.from(value), Buffer.from([0])]);
  const fields = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', '57P03'),
    field('M', 'the database system is starting up'),
    Buffer.from([0]),
  ]);
  const length = Buffer.alloc(4);
  length.writeInt32BE(fields.length + 4);
  const errorResponse = Buffer.concat([Buffer.from('E'), length, fields]);
  const server = createServer((socket) => {
    socket.once('data', () => socket.end(errorResponse));
    socket.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('Postgres starting up', () => {
  it('57P03 is answered 503 with Retry-After, not 500', async () => {
    const fake = await startingUpPostgres();
    const { port } = fake.address() as { port: number };
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/dak`,
      DAK_ADMIN_TOKEN: 'a'.repeat(32),
    });
    const db = createDatabase({ url: config.db.url });
    const ctx = createApiContext(config, { db });
    const server = await listen(createApp(ctx), 0);
    try {
      const response = await fetch(`${server.url}/api/whatsapp/v1/wallet`, {
        headers: { authorization: 'Bearer dak_live_0123456789abcdef0123456789abcdef' },
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await response.json()).toMatchObject({ success: false, error: { code: 'service_unavailable' } });
    } finally {
      await server.close();
      await ctx.queues.close();
      ctx.redis.disconnect();
      await db.destroy();
      fake.close();
    }
  });
});
