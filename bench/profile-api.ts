// One-off: CPU profile of the API process under scenario 4's load. Not part of pnpm bench.
import { randomBytes } from 'node:crypto';
import { adminClient, demoBusiness, seedAccount, startDakProcesses } from '@dak/dev-env';
import { MPS, PHONE_NUMBERS, benchTarget, createBenchDatabase, metaPhoneNumberId, sendMessageBody } from './env';
import { HttpClient, runLanes } from './load';

const target = benchTarget();
const database = await createBenchDatabase(target.databaseUrl);
const accessToken = `EAAG${randomBytes(24).toString('hex')}`;
const stack = await startDakProcesses({
  databaseUrl: database.url,
  redisUrl: target.redisUrl,
  queuePrefix: `dak-prof-${randomBytes(4).toString('hex')}`,
  env: { TEMPLATE_SYNC_INTERVAL_MS: '0' },
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.argv[2] ?? '/tmp/prof'}`],
  metaSimEnv: {
    META_SIM_SENT_DELAY_MS: '10',
    META_SIM_DELIVERED_DELAY_MS: '20',
    META_SIM_READ_DELAY_MS: '30',
    META_SIM_PAIR_BURST: '0',
    META_SIM_PAIR_INTERVAL_MS: '0',
  },
});
const phoneNumbers = Array.from({ length: PHONE_NUMBERS }, (_, i) => metaPhoneNumberId(i));
const business = demoBusiness(accessToken, {
  phone_numbers: phoneNumbers.map((id, i) => ({
    phone_number_id: id,
    display_phone_number: `1555078${String(i).padStart(4, '0')}`,
    mps: MPS,
  })),
});
await fetch(`${stack.metaSimUrl}/_sim/businesses`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(business),
});
const seeded = await seedAccount(adminClient(stack.apiUrl, stack.adminToken), business, {
  credit: '100000.00',
  requestsPerSecond: 10_000,
});
const client = new HttpClient(64);
const figures = await runLanes(6_000, 64, async (i) =>
  String(
    (
      await client.post(`${stack.apiUrl}/api/whatsapp/v1/send-message`, sendMessageBody(i, phoneNumbers[i % 8]!), {
        authorization: `Bearer ${seeded.apiKey}`,
      })
    ).status,
  ),
);
console.log(figures.perSecond.toFixed(0), 'req/s', figures.latencies, 'api pid', stack.api.child.pid);
client.close();
await stack.stop();
await database.drop();
