// Seeds the demo business into meta-sim (through its control API) and into Dak (through the
// admin API), then prints a ready curl. Used by `npm start`, and on its own by the
// docker-compose `seed` service, compiled: `node scripts/dist/seed-demo.js` after `pnpm build`.
import { pathToFileURL } from 'node:url';
import { templateFixtures } from '@dak/dev-env/template-fixtures';
import { DEMO, adminClient, demoBusiness, seedAccount } from '@dak/dev-env/demo';

export interface DemoOptions {
  apiUrl: string;
  metaSimUrl: string;
  adminToken: string;
  accessToken: string;
  /** A key from an earlier seed; reused while it still authenticates. */
  apiKey?: string | undefined;
}

export async function seedDemo(options: DemoOptions): Promise<{ accountId: string; apiKey: string; synced: number }> {
  const business = demoBusiness(options.accessToken);
  const known = (await (await fetch(`${options.metaSimUrl}/_sim/businesses`)).json()) as {
    data: { waba_id: string }[];
  };
  if (!known.data.some((b) => b.waba_id === business.waba_id)) {
    const registered = await fetch(`${options.metaSimUrl}/_sim/businesses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(business),
    });
    if (!registered.ok)
      throw new Error(`meta-sim refused the demo business: ${registered.status} ${await registered.text()}`);
  }
  const keyWorks = options.apiKey
    ? (
        await fetch(`${options.apiUrl}/api/whatsapp/v1/wallet`, {
          headers: { authorization: `Bearer ${options.apiKey}` },
        })
      ).ok
    : false;
  const seeded = await seedAccount(adminClient(options.apiUrl, options.adminToken), business, {
    credit: DEMO.credit,
    createKey: !keyWorks,
  });
  return { accountId: seeded.accountId, apiKey: keyWorks ? options.apiKey! : seeded.apiKey!, synced: seeded.synced };
}

export function quickstart(apiUrl: string, apiKey: string): string {
  const template = templateFixtures.order_update!;
  return `Send the original product's example request:

curl -X POST "${apiUrl}/api/whatsapp/v1/send-message" \\
  -H "Authorization: Bearer ${apiKey}" \\
  -H "Content-Type: application/json" \\
  -d '{
    "phone_number_id": "${DEMO.metaPhoneNumberId}",
    "template_id": "${template.id}",
    "phone_number": "${DEMO.recipient}",
    "variables": [
      { "type": "body", "values": ["John Doe", "ORD-12345"] }
    ]
  }'

Then its status (put the message_id from the answer in MESSAGE_ID):

curl -s "${apiUrl}/api/whatsapp/v1/message-status/$MESSAGE_ID" -H "Authorization: Bearer ${apiKey}"
`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const required = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const apiUrl = process.env.DAK_API_URL ?? 'http://127.0.0.1:3000';
  const seeded = await seedDemo({
    apiUrl,
    metaSimUrl: process.env.META_SIM_URL ?? 'http://127.0.0.1:3002',
    adminToken: required('DAK_ADMIN_TOKEN'),
    accessToken: required('DEMO_ACCESS_TOKEN'),
    apiKey: process.env.DEMO_API_KEY,
  });
  console.log(
    `Demo account ${seeded.accountId}, ${seeded.synced} templates, credit ${DEMO.credit} INR.\nDemo API key: ${seeded.apiKey}\n`,
  );
  console.log(quickstart(process.env.DAK_PUBLIC_URL ?? apiUrl, seeded.apiKey));
}
