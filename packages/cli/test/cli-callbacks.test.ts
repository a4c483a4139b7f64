import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackReceiver, startStack, type CallbackReceiver, type TestStack } from '@dak/dev-env';
import { dakRunner } from './run-dak';

// `dak callbacks …` over the admin API, in-process (runCli with captured output).
describe('dak callbacks', () => {
  let stack: TestStack;
  let receiver: CallbackReceiver;
  let accountA: string;
  let otherId: string;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    ({ accountId: accountA } = await stack.seedDemo());
    receiver = await startCallbackReceiver();
    otherId = (await stack.admin.createCallback(accountA, { url: receiver.url, events: ['wallet.low_balance'] })).id;
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  it('creates, lists, disables, rotates, lists deliveries, refuses a vague replay and deletes', async () => {
    const dak = dakRunner(() => stack);
    const made = await dak('-q', 'callbacks', 'create', accountA, receiver.url, '--event', 'message.status');
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout.trim()).toMatch(/^whsec_/);
    expect(made.stderr).toMatch(/cannot be shown again/);
    const listed = await dak('-q', 'callbacks', 'list', accountA);
    const cliId = listed.stdout
      .split('\n')
      .find((l) => l.includes('message.status') && !l.includes(otherId))!
      .split('\t')[0]!;
    expect(cliId).toMatch(/^cbk_/);
    const disabled = await dak('callbacks', 'update', accountA, cliId, '--disable');
    expect(JSON.parse(disabled.stdout)).toMatchObject({ id: cliId, enabled: false });
    const rotated = await dak('-q', 'callbacks', 'rotate-secret', accountA, cliId);
    expect(rotated.stdout.trim()).toMatch(/^whsec_/);
    const log = await dak('callbacks', 'deliveries', accountA, cliId, '--status', 'failed');
    expect(JSON.parse(log.stdout)).toEqual({ success: true, deliveries: [], next_before: null });
    const both = await dak('callbacks', 'replay', accountA, cliId);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/either --event-id or --since/);
    const removed = await dak('-q', 'callbacks', 'delete', accountA, cliId);
    expect(removed.stdout.trim()).toBe(`${cliId}\tdeleted`);
    const gone = await dak('callbacks', 'show', accountA, cliId);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/callback_not_found, HTTP 404/);
  });
});
