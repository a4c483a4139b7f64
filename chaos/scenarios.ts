// The faults of an operator's bad night, one scenario each. A scenario drives load, injects its
// fault, and returns what the clients saw; the runner then checks the invariants.
import { sql, type Database } from '@dak/db';
import { newTally, runClients, type ClientTally, type SendTarget } from './load';
import type { PostgresCluster, RedisServer } from './infra';
import { waitReady, type DakProcess } from './processes';

export interface ChaosWorld {
  db: Database;
  pg: PostgresCluster;
  redis: RedisServer;
  api: DakProcess;
  apiUrl: string;
  workers: { process: DakProcess; readyUrl: string }[];
  metaSimUrl: string;
  target: SendTarget;
  metaPhoneNumberId: string;
}

export interface Scenario {
  name: string;
  run(world: ChaosWorld): Promise<ClientTally>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function sim(world: ChaosWorld, method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${world.metaSimUrl}/_sim${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`meta-sim ${method} ${path}: ${response.status} ${await response.text()}`);
}

/** Messages of this scenario that left the queue (Meta took them, or they failed). */
async function sentSince(world: ChaosWorld, since: Date): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from messages where queued_at >= ${since} and status not in ('queued', 'sending')`.execute(
    world.db,
  );
  return rows[0]?.n ?? 0;
}

/** Clients post for `ms`, while `fault` runs `atMs` after they start. */
async function loadWithFault(
  world: ChaosWorld,
  options: { lanes: number; ms: number; atMs: number; fault: () => Promise<void> },
): Promise<ClientTally> {
  const stopAt = Date.now() + options.ms;
  const tally = newTally();
  const clients = runClients(world.target, { lanes: options.lanes, until: () => Date.now() > stopAt }, tally);
  await sleep(options.atMs);
  await options.fault();
  await clients;
  return tally;
}

export const scenarios: Scenario[] = [
  {
    name: 'worker SIGKILL x3 during 2,000 sends',
    async run(world) {
      const started = new Date();
      const tally = newTally();
      const clients = runClients(world.target, { lanes: 32, total: 2_000 }, tally);
      const restarts: Promise<void>[] = world.workers.map(() => Promise.resolve());
      for (let i = 0; i < 3; i++) {
        // Kill while sends are in flight: each time another share has gone out to Meta.
        const threshold = 300 + i * 500;
        while ((await sentSince(world, started)) < threshold) await sleep(100);
        const index = i % world.workers.length;
        const worker = world.workers[index]!;
        await restarts[index];
        await worker.process.kill();
        worker.process.start();
        restarts[index] = waitReady(worker.readyUrl);
      }
      await clients;
      await Promise.all(restarts);
      return tally;
    },
  },
  {
    name: 'API SIGKILL under 32 clients',
    run: (world) =>
      loadWithFault(world, {
        lanes: 32,
        ms: 6_000,
        atMs: 2_000,
        fault: async () => {
          await world.api.kill();
          world.api.start();
          await waitReady(`${world.apiUrl}/readyz`);
        },
      }),
  },
  {
    name: 'Redis restarted with its data',
    run: (world) => loadWithFault(world, { lanes: 16, ms: 6_000, atMs: 2_000, fault: () => world.redis.restart(true) }),
  },
  {
    name: 'Redis restarted without its data',
    run: (world) =>
      loadWithFault(world, { lanes: 16, ms: 6_000, atMs: 2_000, fault: () => world.redis.restart(false) }),
  },
  {
    name: 'Postgres restarted while clients post',
    run: (world) => loadWithFault(world, { lanes: 32, ms: 7_000, atMs: 2_000, fault: async () => world.pg.restart() }),
  },
  {
    name: 'Postgres restarted while webhooks arrive',
    async run(world) {
      // Statuses spread over a few seconds, so the restart lands among them.
      await sim(world, 'PATCH', '/webhook-config', {
        delaysMs: { sent: 300, delivered: 1_500, read: 3_000 },
        jitterMs: 1_000,
      });
      try {
        const tally = await runClients(world.target, { lanes: 16, total: 800 });
        await sleep(1_000);
        world.pg.restart();
        await sleep(6_000);
        return tally;
      } finally {
        await sim(world, 'PATCH', '/webhook-config', {
          delaysMs: { sent: 50, delivered: 150, read: 300 },
          jitterMs: 0,
        });
      }
    },
  },
  {
    name: 'meta-sim timeouts and lost answers',
    async run(world) {
      const faults = [
        { kind: 'timeout', probability: 0.02 },
        { kind: 'timeout', when: 'after', probability: 0.02 },
        { kind: 'drop', probability: 0.02 },
        { kind: 'drop', when: 'after', probability: 0.02 },
        { kind: 'error', code: 131000, probability: 0.02 },
      ];
      for (const fault of faults) await sim(world, 'POST', '/faults', fault);
      try {
        return await runClients(world.target, { lanes: 16, total: 800 });
      } finally {
        // The faults stay until the messages have been sent once; the resends of the lease go
        // through a healthy Meta.
        await sleep(4_000);
        await sim(world, 'DELETE', '/faults');
      }
    },
  },
  {
    name: 'webhook duplicates and reordering',
    async run(world) {
      await sim(world, 'PATCH', '/webhook-config', { duplicateRate: 0.3, reorderRate: 0.3 });
      try {
        const tally = await runClients(world.target, { lanes: 16, total: 800 });
        await sleep(3_000);
        return tally;
      } finally {
        await sim(world, 'PATCH', '/webhook-config', { duplicateRate: 0, reorderRate: 0 });
      }
    },
  },
];
