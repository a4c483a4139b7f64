import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestStack } from './stack';

export interface ReceivedCallback {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  json: { id: string; type: string; created_at: string; data: Record<string, any> };
  at: number;
}

export interface CallbackReceiver {
  url: string;
  received: ReceivedCallback[];
  /** Decides each answer's status (default 200); it may wait to play a slow endpoint. */
  respond: (request: ReceivedCallback) => number | Promise<number>;
  /** Only the events (not the registration's `callback.test` ping). */
  events(): ReceivedCallback[];
  /**
   * Plays an endpoint that stalls until the test says so (not for a fixed time, which would make
   * "before it answered" depend on the machine's speed): from now on nothing is answered until
   * `release()`, which answers 200 to what it held and to everything after.
   */
  hold(): { answered(): number; release(): void };
  /** Stops listening and cuts every open connection: deliveries meet a refused connection until up(). */
  down(): Promise<void>;
  /** Listens again, on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** A business's endpoint for tests: a real HTTP server on 127.0.0.1 that records what Dak POSTs. */
export async function startCallbackReceiver(path = '/dak/events'): Promise<CallbackReceiver> {
  const receiver: CallbackReceiver = {
    url: '',
    received: [],
    respond: () => 200,
    events: () => receiver.received.filter((r) => r.json.type !== 'callback.test'),
    hold: () => {
      let answered = 0;
      const held: (() => void)[] = [];
      receiver.respond = () =>
        new Promise((resolve) =>
          held.push(() => {
            answered++;
            resolve(200);
          }),
        );
      return {
        answered: () => answered,
        release: () => {
          receiver.respond = () => 200;
          for (const answer of held.splice(0)) answer();
        },
      };
    },
    down: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    up: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    close: () => receiver.down(),
  };
  let port = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: ReceivedCallback['json'];
      try {
        json = JSON.parse(body);
      } catch {
        json = { id: '', type: 'unparseable', created_at: '', data: {} };
      }
      const request = { headers: req.headers, body, json, at: Date.now() };
      receiver.received.push(request);
      void Promise.resolve(receiver.respond(request)).then((status) => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status < 300 ? 'ok' : 'no');
      });
    });
  });
  await receiver.up();
  port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${port}${path}`;
  return receiver;
}

/**
 * A receiver registered as the account's callback endpoint through the public API (its ping
 * answered), with the endpoint's id and its secret, shown this once.
 */
export async function registerCallbackReceiver(
  stack: TestStack,
  apiKey: string,
  events: string[] = ['message.status'],
): Promise<{ receiver: CallbackReceiver; id: string; secret: string }> {
  const receiver = await startCallbackReceiver();
  const created = await stack.call('POST', '/api/whatsapp/v1/callbacks', {
    key: apiKey,
    body: { url: receiver.url, events },
  });
  if (created.status !== 201) {
    await receiver.close();
    throw new Error(`registering the callback receiver: ${created.status} ${JSON.stringify(created.body)}`);
  }
  return { receiver, id: created.body.id, secret: created.body.secret };
}
