import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMetaSim, type BusinessSeed, type MetaSimOptions, type RunningMetaSim } from '../src/index';

export const APP_SECRET = 'test-app-secret';
export const TOKEN = 'token-acme';
export const OTHER_TOKEN = 'token-globex';
export const WABA = '100000000000001';
export const NUMBER = '200000000000001';
export const DISPLAY = '15550001111';
export const OTHER_NUMBER = '200000000000009';

export function acmeBusiness(): BusinessSeed {
  return {
    waba_id: WABA,
    name: 'Acme',
    access_token: TOKEN,
    phone_numbers: [{ phone_number_id: NUMBER, display_phone_number: '+1 555-000-1111' }],
    templates: [
      {
        id: '300000000000001',
        name: 'order_update',
        language: 'en_US',
        status: 'APPROVED',
        category: 'UTILITY',
        components: [
          { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://example.com/a.jpg'] } },
          { type: 'BODY', text: 'Hi {{1}}, your order of {{2}} ships on {{3}}.' },
          { type: 'FOOTER', text: 'Acme' },
          {
            type: 'BUTTONS',
            buttons: [
              { type: 'URL', text: 'Track', url: 'https://acme.test/track/{{1}}' },
              { type: 'QUICK_REPLY', text: 'Stop' },
            ],
          },
        ],
      },
      {
        id: '300000000000002',
        name: 'promo',
        language: 'en_US',
        status: 'APPROVED',
        category: 'MARKETING',
        components: [
          { type: 'BODY', text: 'Sale! {{1}} off today.' },
          { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Interested' }] },
        ],
      },
      {
        id: '300000000000003',
        name: 'welcome',
        language: 'en_US',
        status: 'APPROVED',
        category: 'UTILITY',
        parameter_format: 'NAMED',
        components: [
          { type: 'HEADER', format: 'TEXT', text: 'Hello {{first_name}}' },
          { type: 'BODY', text: 'Welcome {{first_name}}, your code is {{code}}.' },
        ],
      },
      {
        id: '300000000000004',
        name: 'otp',
        language: 'en_US',
        status: 'APPROVED',
        category: 'AUTHENTICATION',
        components: [
          { type: 'BODY', text: '*{{1}}* is your verification code.' },
          {
            type: 'BUTTONS',
            buttons: [
              {
                type: 'URL',
                text: 'Copy code',
                url: 'https://www.whatsapp.com/otp/code/?otp_type=COPY_CODE&code=otp{{1}}',
              },
            ],
          },
        ],
      },
      {
        id: '300000000000005',
        name: 'plain',
        language: 'en_US',
        status: 'APPROVED',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Your parcel {{1}} is on its way.' }],
      },
    ],
  };
}

export function globexBusiness(): BusinessSeed {
  return {
    waba_id: '100000000000009',
    access_token: OTHER_TOKEN,
    phone_numbers: [{ phone_number_id: OTHER_NUMBER, display_phone_number: '15550009999' }],
  };
}

/** A valid send of the `plain` template. */
export function plainSend(to: string, extra: Record<string, unknown> = {}) {
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to,
    type: 'template',
    template: {
      name: 'plain',
      language: { code: 'en_US' },
      components: [{ type: 'body', parameters: [{ type: 'text', text: 'P-1' }] }],
    },
    ...extra,
  };
}

export interface ReceivedWebhook {
  raw: string;
  headers: IncomingHttpHeaders;
  body: { entry: { id: string; changes: { field: string; value: Record<string, unknown> }[] }[] };
  answeredWith: number;
}

/** A webhook receiver on a free port that keeps the exact bytes and answers with `answer()`. */
export class Receiver {
  readonly received: ReceivedWebhook[] = [];
  answer: (index: number) => number = () => 200;
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (req.method === 'GET') {
          const url = new URL(req.url ?? '/', 'http://x');
          const ok = url.searchParams.get('hub.verify_token') === 'verify-me';
          res.writeHead(ok ? 200 : 403).end(ok ? url.searchParams.get('hub.challenge') : 'no');
          return;
        }
        const status = this.answer(this.received.length);
        this.received.push({ raw, headers: req.headers, body: JSON.parse(raw), answeredWith: status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/webhooks/meta`;
    return this;
  }

  /** Every status update received, flattened, in arrival order. */
  statuses(): Record<string, unknown>[] {
    return this.received.flatMap((w) =>
      w.body.entry.flatMap((e) =>
        e.changes.flatMap((c) => (c.value.statuses as Record<string, unknown>[] | undefined) ?? []),
      ),
    );
  }

  /** Every inbound message received, flattened across POSTs, entries and changes. */
  inbound(): Record<string, unknown>[] {
    return this.received.flatMap((w) =>
      w.body.entry.flatMap((e) =>
        e.changes.flatMap((c) => (c.value.messages as Record<string, unknown>[] | undefined) ?? []),
      ),
    );
  }

  /** The first POST holding a change whose value has `key` (e.g. `messages`, `statuses`). */
  postWith(key: string): ReceivedWebhook | undefined {
    return this.received.find((w) => w.body.entry.some((e) => e.changes.some((c) => c.value[key] !== undefined)));
  }

  async waitFor(predicate: (r: this) => boolean, timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (Date.now() > deadline)
        throw new Error(`receiver: condition not met within ${timeoutMs} ms (${this.received.length} received)`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

export function verifySignature(raw: string, header: string | string[] | undefined, secret = APP_SECRET): boolean {
  return header === `sha256=${createHmac('sha256', secret).update(Buffer.from(raw, 'utf8')).digest('hex')}`;
}

export async function startSim(options: Partial<MetaSimOptions> = {}): Promise<RunningMetaSim> {
  return startMetaSim({
    appSecret: APP_SECRET,
    verifyToken: 'verify-me',
    randomSeed: 42,
    businesses: [acmeBusiness(), globexBusiness()],
    webhookDelaysMs: { sent: 10, delivered: 20, read: 30 },
    webhook: { retryBaseMs: 20, retryMaxMs: 100, timeoutMs: 1_000 },
    templateReviewDelayMs: 20,
    ...options,
  });
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = Record<string, unknown>>(
  sim: RunningMetaSim,
  method: string,
  path: string,
  body?: unknown,
  token: string | undefined = TOKEN,
): Promise<Reply<T>> {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
}

export const send = (sim: RunningMetaSim, body: unknown, token: string | undefined = TOKEN, number = NUMBER) =>
  call(sim, 'POST', `/v23.0/${number}/messages`, body, token);

export interface MetaError {
  error: {
    message: string;
    type: string;
    code: number;
    error_data: { messaging_product: string; details: string };
    error_subcode?: number;
    fbtrace_id: string;
  };
}

/** Polls `check` until it returns without throwing, or rethrows its last failure after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
