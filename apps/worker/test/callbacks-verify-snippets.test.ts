import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCallbackEvents } from '@dak/db';
import { enqueueCallbackDeliveries } from '@dak/queue';
import {
  registerCallbackReceiver,
  startStack,
  waitFor,
  type CallbackReceiver,
  type ReceivedCallback,
  type TestStack,
} from '@dak/dev-env';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const NODE_SNIPPET = join(root, 'docs', 'callbacks', 'verify-signature.mjs');
const PYTHON_SNIPPET = join(root, 'docs', 'callbacks', 'verify_signature.py');

interface Case {
  body: string;
  header: string;
  secret: string;
}

/** Runs the Python snippet file itself on each case (its module imported as it is, standard library only). */
function verifyInPython(cases: Case[]): boolean[] {
  const driver = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(dirname(PYTHON_SNIPPET))})`,
    'from verify_signature import verify_dak_signature',
    'cases = json.load(sys.stdin)',
    'print(json.dumps([verify_dak_signature(c["body"].encode(), c["header"], c["secret"]) for c in cases]))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', driver], { input: JSON.stringify(cases), encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

// The README's verification snippets, run as they are written (the files the README embeds)
// against real deliveries, before and during a secret rotation.
describe('the README signature-verification snippets', () => {
  let stack: TestStack;
  let receiver: CallbackReceiver;
  let verifyInNode: (body: string, header: string, secret: string) => boolean;
  let oldSecret: string;
  let newSecret: string;
  let beforeRotation: ReceivedCallback[];
  let duringRotation: ReceivedCallback[];

  beforeAll(async () => {
    ({ verifyDakSignature: verifyInNode } = await import(pathToFileURL(NODE_SNIPPET).href));
    stack = await startStack();
    const { apiKey, accountId } = await stack.seedDemo();
    let endpointId: string;
    ({
      receiver,
      id: endpointId,
      secret: oldSecret,
    } = await registerCallbackReceiver(stack, apiKey, ['message.status', 'wallet.low_balance']));
    const emit = async (data: Record<string, unknown>[]) => {
      const ids = await stack.api.ctx.db.transaction().execute((trx) =>
        recordCallbackEvents(
          trx,
          data.map((d, i) => ({
            accountId,
            type: 'message.status' as const,
            messageId: 'msg_v',
            sequence: i,
            data: d,
          })),
        ),
      );
      await enqueueCallbackDeliveries(stack.api.ctx.queues, ids);
    };
    // Bodies with what a receiver must not trip on: non-ASCII text, escapes, nesting.
    await emit([{ status: 'sent', name: 'Zoë 🚀 "quoted"', nested: { list: [1, null, true] } }, { status: 'read' }]);
    beforeRotation = await waitFor(() => receiver.events().length === 2 && receiver.events(), {
      what: 'two callbacks',
    });
    newSecret = (await stack.call('POST', `/api/whatsapp/v1/callbacks/${endpointId}/rotate-secret`, { key: apiKey }))
      .body.secret;
    await emit([{ status: 'delivered', text: 'ধন্যবাদ' }]);
    duringRotation = await waitFor(() => receiver.events().length === 3 && receiver.events().slice(2), {
      what: 'the callback after the rotation',
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  it('the README shows exactly the snippet files', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const file of [NODE_SNIPPET, PYTHON_SNIPPET]) {
      expect(readme, `README embeds ${file}`).toContain(readFileSync(file, 'utf8'));
    }
  });

  it('accept every real delivery with the right secret, both secrets during a rotation, and nothing else', () => {
    const header = (r: ReceivedCallback) => r.headers['x-dak-signature'] as string;
    const cases: [Case, boolean][] = [
      ...beforeRotation.map((r): [Case, boolean] => [{ body: r.body, header: header(r), secret: oldSecret }, true]),
      ...duringRotation.flatMap((r): [Case, boolean][] => [
        [{ body: r.body, header: header(r), secret: newSecret }, true],
        [{ body: r.body, header: header(r), secret: oldSecret }, true],
      ]),
      // A changed body, another secret, a signature moved to another time, garbage.
      [
        {
          body: beforeRotation[0]!.body.replace('sent', 'read'),
          header: header(beforeRotation[0]!),
          secret: oldSecret,
        },
        false,
      ],
      [{ body: beforeRotation[0]!.body, header: header(beforeRotation[0]!), secret: newSecret }, false],
      [
        {
          body: beforeRotation[0]!.body,
          header: header(beforeRotation[0]!).replace(/^t=(\d+)/, (_, t) => `t=${Number(t) + 1}`),
          secret: oldSecret,
        },
        false,
      ],
      [{ body: beforeRotation[0]!.body, header: 'v1=abc,t=x', secret: oldSecret }, false],
      [{ body: beforeRotation[0]!.body, header: '', secret: oldSecret }, false],
    ];
    // A correctly signed but old delivery (replayed by someone else) is refused by the time check.
    const stale = Math.floor(Date.now() / 1000) - 3_600;
    const staleHeader = header(beforeRotation[1]!).replace(/^t=\d+/, `t=${stale}`);
    cases.push([{ body: beforeRotation[1]!.body, header: staleHeader, secret: oldSecret }, false]);

    const expected = cases.map(([, ok]) => ok);
    expect(cases.map(([c]) => verifyInNode(c.body, c.header, c.secret))).toEqual(expected);
    expect(verifyInPython(cases.map(([c]) => c))).toEqual(expected);
    // The deliveries during the rotation really carried two signatures.
    expect(header(duringRotation[0]!).match(/v1=/g)).toHaveLength(2);
  });
});
