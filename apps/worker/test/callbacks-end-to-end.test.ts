import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  orderUpdateRequest,
  sendAccepted,
  registerCallbackReceiver,
  startStack,
  waitFor,
  type CallbackReceiver,
  type TestStack,
} from '@dak/dev-env';

const NODE_SNIPPET = join(import.meta.dirname, '..', '..', '..', 'docs', 'callbacks', 'verify-signature.mjs');

// The whole path: a message sent through the API, its statuses from meta-sim's signed webhooks
// applied by the receiver, and every status change POSTed to a real local endpoint, in order,
// each verified with the README's snippet.
describe('callbacks end to end', () => {
  let stack: TestStack;
  let receiver: CallbackReceiver;
  let apiKey: string;
  let secret: string;
  let verify: (body: string, header: string, secret: string) => boolean;
  beforeAll(async () => {
    ({ verifyDakSignature: verify } = await import(pathToFileURL(NODE_SNIPPET).href));
    // One webhook POST at a time: meta-sim's statuses reach the receiver in the order they were made.
    stack = await startStack({ metaSim: { webhook: { concurrency: 1 } } });
    ({ apiKey } = await stack.seedDemo());
    ({ receiver, secret } = await registerCallbackReceiver(stack, apiKey));
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.close();
  });

  it('delivers sent, delivered and read of a sent message in order, each signed, as message-status shows it', async () => {
    // Meta's webhooks (sent +10 ms, delivered +30 ms) could otherwise be applied before the worker
    // records Meta's 200; a `delivered` applied ahead of both `sent`s leaves no queued → sent
    // change at all. So they are stored, in order, but applied only once the worker has recorded `sent`.
    await stack.webhooks.applier.stop();
    const id = await sendAccepted(stack, apiKey, { ...orderUpdateRequest(), client_reference: 'order-e2e' });
    await waitFor(() => receiver.events().some((e) => e.json.data.message_id === id), {
      timeoutMs: 20_000,
      what: "the worker's sent callback",
    });
    stack.webhooks.applier.start();
    const events = await waitFor(
      () => {
        const mine = receiver.events().filter((e) => e.json.data.message_id === id);
        return mine.length >= 3 && mine;
      },
      { timeoutMs: 20_000, what: 'three status callbacks' },
    );
    expect(events.map((e) => [e.json.data.previous_status, e.json.data.status])).toEqual([
      ['queued', 'sent'],
      ['sent', 'delivered'],
      ['delivered', 'read'],
    ]);
    const sequences = events.map((e) => e.json.data.sequence as number);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    for (const event of events) {
      expect(verify(event.body, event.headers['x-dak-signature'] as string, secret)).toBe(true);
      expect(event.headers['x-dak-event-id']).toBe(event.json.id);
      expect(event.json.data).toMatchObject({ message_id: id, client_reference: 'order-e2e' });
    }
    // The last one shows the message as message-status answers it now (without its `success`).
    const status = await stack.call('GET', `/api/whatsapp/v1/message-status/${id}`, { key: apiKey });
    const { previous_status: _previous, sequence: _sequence, ...shown } = events[2]!.json.data;
    const { success: _success, ...answered } = status.body;
    expect(shown).toEqual(answered);
  });
});
