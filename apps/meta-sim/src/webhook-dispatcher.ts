import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import type { IdFactory } from './random';
import { RingLog } from './recorder';
import type { Scheduler } from './scheduler';
import { legacySignatureHeader, metaJson, signatureHeader } from './signing';
import type { WebhookSettings } from './types';

export type WebhookField = 'messages' | 'message_template_status_update';

/** One update bound for the webhook: a status, an inbound message, or a template event. */
export interface WebhookUpdate {
  wabaId: string;
  field: WebhookField;
  /** Status updates of one phone number are merged into one change's `statuses`. */
  phoneNumber?: { id: string; display: string };
  status?: Record<string, unknown>;
  /** Any other change value, sent as its own change. */
  value?: Record<string, unknown>;
}

export interface WebhookAttempt {
  at: string;
  status?: number;
  error?: string;
  durationMs: number;
}

export interface WebhookDelivery {
  id: string;
  url: string | undefined;
  createdAt: string;
  /** pending → delivered, or retrying → … → failed; not_sent when no URL is configured. */
  state: 'pending' | 'retrying' | 'delivered' | 'failed' | 'not_sent';
  /** The exact bytes sent (ASCII, non-ASCII escaped) and their signature. */
  body: string;
  signature: string;
  fields: WebhookField[];
  /** `{id, status}` of every status update in the body, for quick assertions. */
  statuses: { id: string; status: string }[];
  duplicate: boolean;
  attempts: WebhookAttempt[];
}

/**
 * Batches due updates into Meta's envelope, signs the exact bytes and POSTs them with bounded
 * concurrency, retrying any answer other than 200 with exponential backoff, like Meta.
 */
export class WebhookDispatcher {
  private pending: { update: WebhookUpdate; alone: boolean }[] = [];
  private flushArmed = false;
  private queue: WebhookDelivery[] = [];
  private inFlight = 0;
  private retrying = 0;
  private readonly requests = new Set<http.ClientRequest>();
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private closed = false;
  /** Bumped by clear(): answers to requests from before a reset are ignored. */
  private generation = 0;
  readonly log: RingLog<WebhookDelivery>;

  constructor(
    readonly settings: WebhookSettings,
    private readonly appSecret: string,
    private readonly scheduler: Scheduler,
    private readonly ids: IdFactory,
    private readonly logger: Logger,
    maxRecorded: number,
  ) {
    this.log = new RingLog(maxRecorded);
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 1_024 });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 1_024 });
  }

  /** True when nothing is waiting to be batched, queued, in flight or waiting for a retry. */
  get idle(): boolean {
    return this.pending.length === 0 && this.queue.length === 0 && this.inFlight === 0 && this.retrying === 0;
  }

  /** Queues an update; `alone` keeps it out of batches (used for duplicates). */
  enqueue(update: WebhookUpdate, alone = false): void {
    if (this.closed) return;
    this.pending.push({ update, alone });
    if (this.flushArmed) return;
    this.flushArmed = true;
    if (this.settings.batchWindowMs > 0) this.scheduler.after(this.settings.batchWindowMs, () => this.flush());
    else setImmediate(() => this.flush());
  }

  clear(): void {
    this.generation += 1;
    this.pending = [];
    this.flushArmed = false;
    this.queue = [];
    this.retrying = 0;
    this.log.clear();
    for (const request of this.requests) request.destroy();
  }

  close(): void {
    this.closed = true;
    this.clear();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private flush(): void {
    this.flushArmed = false;
    if (this.closed) return;
    const items = this.pending;
    this.pending = [];
    const groups = new Map<string, WebhookUpdate[]>();
    for (const { update, alone } of items) {
      if (alone) {
        this.createDelivery(update.wabaId, [update], true);
        continue;
      }
      const group = groups.get(update.wabaId);
      if (group) group.push(update);
      else groups.set(update.wabaId, [update]);
    }
    const size = Math.max(1, this.settings.batchSize);
    for (const [wabaId, updates] of groups) {
      for (let i = 0; i < updates.length; i += size) this.createDelivery(wabaId, updates.slice(i, i + size), false);
    }
    this.pump();
  }

  private createDelivery(wabaId: string, updates: WebhookUpdate[], duplicate: boolean): void {
    const body = metaJson(envelope(wabaId, updates));
    const url = this.settings.url;
    const delivery: WebhookDelivery = {
      id: this.ids.local('whd'),
      url,
      createdAt: new Date().toISOString(),
      state: url ? 'pending' : 'not_sent',
      body,
      signature: signatureHeader(body, this.appSecret),
      fields: [...new Set(updates.map((u) => u.field))],
      statuses: updates.flatMap((u) =>
        u.status ? [{ id: String(u.status.id), status: String(u.status.status) }] : [],
      ),
      duplicate,
      attempts: [],
    };
    this.log.push(delivery);
    if (url) this.queue.push(delivery);
  }

  private pump(): void {
    while (!this.closed && this.inFlight < this.settings.concurrency && this.queue.length > 0) {
      const delivery = this.queue.shift() as WebhookDelivery;
      this.inFlight += 1;
      void this.attempt(delivery).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const started = Date.now();
    const generation = this.generation;
    const result = await this.post(delivery);
    if (this.closed || generation !== this.generation) return;
    delivery.attempts.push({ at: new Date(started).toISOString(), ...result, durationMs: Date.now() - started });
    if (result.status === 200) {
      delivery.state = 'delivered';
      return;
    }
    const attempts = delivery.attempts.length;
    if (attempts >= this.settings.maxAttempts) {
      delivery.state = 'failed';
      this.logger.warn({ delivery: delivery.id, attempts, ...result }, 'webhook gave up');
      return;
    }
    delivery.state = 'retrying';
    this.retrying += 1;
    const backoff = Math.min(this.settings.retryMaxMs, this.settings.retryBaseMs * 2 ** (attempts - 1));
    this.logger.debug({ delivery: delivery.id, attempts, backoff, ...result }, 'webhook retry scheduled');
    this.scheduler.after(backoff, () => {
      this.retrying = Math.max(0, this.retrying - 1);
      if (this.closed || generation !== this.generation) return;
      this.queue.push(delivery);
      this.pump();
    });
  }

  private post(delivery: WebhookDelivery): Promise<{ status?: number; error?: string }> {
    const url = new URL(delivery.url as string);
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      const request = client.request(
        url,
        {
          method: 'POST',
          agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
          timeout: this.settings.timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(delivery.body),
            'user-agent': 'facebookexternalua',
            'x-hub-signature-256': delivery.signature,
            'x-hub-signature': legacySignatureHeader(delivery.body, this.appSecret),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
          response.on('error', (error) => resolve({ status: response.statusCode ?? 0, error: error.message }));
        },
      );
      this.requests.add(request);
      request.on('close', () => this.requests.delete(request));
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.settings.timeoutMs} ms`)));
      request.on('error', (error) => resolve({ error: error.message }));
      request.end(delivery.body);
    });
  }
}

/** Meta's envelope: one entry per WABA; status updates of a phone number share one change. */
export function envelope(wabaId: string, updates: WebhookUpdate[]): Record<string, unknown> {
  const changes: { field: WebhookField; value: Record<string, unknown> }[] = [];
  const statusChanges = new Map<string, Record<string, unknown>[]>();
  for (const update of updates) {
    if (update.status && update.phoneNumber) {
      let statuses = statusChanges.get(update.phoneNumber.id);
      if (!statuses) {
        statuses = [];
        statusChanges.set(update.phoneNumber.id, statuses);
        changes.push({
          field: 'messages',
          value: {
            messaging_product: 'whatsapp',
            metadata: { display_phone_number: update.phoneNumber.display, phone_number_id: update.phoneNumber.id },
            statuses,
          },
        });
      }
      statuses.push(update.status);
    } else if (update.value) {
      changes.push({ field: update.field, value: update.value });
    }
  }
  return { object: 'whatsapp_business_account', entry: [{ id: wabaId, changes }] };
}
