import pino, { type Logger } from 'pino';
import { FaultBook } from './faults';
import { MessageLifecycle } from './message-lifecycle';
import { MediaStore } from './media-store';
import { MessageService } from './message-service';
import { PairLimiter } from './rate-limits';
import { IdFactory, SeededRandom } from './random';
import { RingLog } from './recorder';
import { SendLog } from './send-log';
import { Scheduler } from './scheduler';
import { SpecialRecipients } from './special-recipients';
import { SimStore } from './store';
import { TemplateService, type TemplateReview } from './template-service';
import type { MetaSimOptions, WebhookSettings } from './types';
import { WebhookDispatcher } from './webhook-dispatcher';

export const DEFAULTS = {
  delaysMs: { sent: 100, delivered: 500, read: 1_500 },
  defaultMps: 80,
  throughputTolerance: 0.1,
  pairRateLimit: { burst: 45, intervalMs: 6_000 },
  templateReview: { delayMs: 2_000, rejectNamePattern: 'reject', rejectReason: 'INVALID_FORMAT' },
  maxRecorded: 10_000,
  /** Accepted sends listed per phone number by the send log (then the oldest half is forgotten). */
  sendLogLimit: 100_000,
  graphVersions: { min: 21, max: 25 },
  webhook: {
    jitterMs: 0,
    batchSize: 100,
    batchWindowMs: 0,
    concurrency: 32,
    timeoutMs: 10_000,
    maxAttempts: 12,
    retryBaseMs: 1_000,
    retryMaxMs: 300_000,
    duplicateRate: 0,
    reorderRate: 0,
    readRate: 1,
  },
} as const;

export interface RecordedRequest {
  id: string;
  at: string;
  method: string;
  path: string;
  /** `messages`, `templates` or `other` Meta endpoint. */
  route: 'messages' | 'templates' | 'other';
  phone_number_id?: string;
  waba_id?: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** The exact body received. */
  body: string;
  /** The body parsed as JSON, when it was JSON. */
  json?: unknown;
  response: { status: number | null; body?: unknown; fault?: string };
}

export function webhookSettingsFrom(options: MetaSimOptions): WebhookSettings {
  return {
    ...DEFAULTS.webhook,
    ...options.webhook,
    url: options.webhookUrl,
    delaysMs: { ...DEFAULTS.delaysMs, ...options.webhookDelaysMs },
  };
}

/**
 * The simulator's composition root: every part built once from the options and wired
 * together. `reset()` rebuilds the mutable parts in place so handles stay valid.
 */
export class SimCore {
  readonly logger: Logger;
  readonly random: SeededRandom;
  readonly ids: IdFactory;
  readonly scheduler: Scheduler;
  readonly store: SimStore;
  readonly webhook: WebhookSettings;
  readonly dispatcher: WebhookDispatcher;
  readonly lifecycle: MessageLifecycle;
  readonly pairs: PairLimiter;
  readonly special: SpecialRecipients;
  readonly faults: FaultBook;
  readonly messages: MessageService;
  readonly templates: TemplateService;
  readonly requests: RingLog<RecordedRequest>;
  readonly sends = new SendLog(DEFAULTS.sendLogLimit);
  readonly graphVersions: { min: number; max: number };
  /** Responses held open by `timeout` faults, ended on reset and close. */
  readonly held = new Set<{ destroy(): void }>();
  /** Uploaded and customer-sent media (upload, URL, download, delete). */
  readonly media = new MediaStore();

  constructor(readonly options: MetaSimOptions) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.random = new SeededRandom(options.randomSeed);
    this.ids = new IdFactory(this.random);
    this.scheduler = new Scheduler((error) => this.logger.error({ err: error }, 'scheduled job failed'));
    this.store = new SimStore(
      options.defaultMps ?? DEFAULTS.defaultMps,
      options.throughputTolerance ?? DEFAULTS.throughputTolerance,
    );
    const maxRecorded = options.maxRecorded ?? DEFAULTS.maxRecorded;
    this.webhook = webhookSettingsFrom(options);
    this.dispatcher = new WebhookDispatcher(
      this.webhook,
      options.appSecret,
      this.scheduler,
      this.ids,
      this.logger,
      maxRecorded,
    );
    this.lifecycle = new MessageLifecycle(
      this.webhook,
      this.scheduler,
      this.dispatcher,
      this.random,
      this.ids,
      (id) => this.store.phoneNumbers.get(id),
      Math.max(100_000, maxRecorded),
    );
    this.pairs = new PairLimiter({ ...(options.pairRateLimit ?? DEFAULTS.pairRateLimit) });
    this.special = new SpecialRecipients();
    this.faults = new FaultBook(this.random);
    this.messages = new MessageService(this.store, this.lifecycle, this.pairs, this.special, this.ids, this.sends);
    const review: TemplateReview = {
      ...DEFAULTS.templateReview,
      ...(options.templateReviewDelayMs === undefined ? {} : { delayMs: options.templateReviewDelayMs }),
    };
    this.templates = new TemplateService(this.store, this.ids, this.scheduler, this.dispatcher, review);
    this.requests = new RingLog(maxRecorded);
    this.graphVersions = options.graphVersions ?? DEFAULTS.graphVersions;
    this.loadInitialState();
  }

  /** Back to the state the options describe: seeds, settings, rules, faults and the random seed. */
  reset(): void {
    this.scheduler.clear();
    this.dispatcher.clear();
    this.lifecycle.clear();
    for (const response of this.held) response.destroy();
    this.held.clear();
    this.requests.clear();
    this.sends.clear();
    this.store.clear();
    this.media.clear();
    this.special.clear();
    this.faults.clear();
    if (this.options.randomSeed !== undefined) {
      this.random.reseed(this.options.randomSeed);
      this.ids.reset();
    }
    Object.assign(this.webhook, webhookSettingsFrom(this.options));
    this.store.setThroughputDefaults(
      this.options.defaultMps ?? DEFAULTS.defaultMps,
      this.options.throughputTolerance ?? DEFAULTS.throughputTolerance,
    );
    this.pairs.configure({ ...(this.options.pairRateLimit ?? DEFAULTS.pairRateLimit) });
    Object.assign(this.templates.review, DEFAULTS.templateReview, {
      delayMs: this.options.templateReviewDelayMs ?? DEFAULTS.templateReview.delayMs,
    });
    this.loadInitialState();
  }

  close(): void {
    this.scheduler.stop();
    this.dispatcher.close();
    for (const response of this.held) response.destroy();
    this.held.clear();
  }

  private loadInitialState(): void {
    for (const seed of this.options.businesses ?? []) this.store.upsertBusiness(seed, () => this.ids.objectId());
    for (const rule of this.options.specialRecipients ?? [])
      this.special.add({ ...rule, id: rule.id ?? this.ids.local('rcp') });
    for (const rule of this.options.faults ?? []) this.faults.add({ ...rule, id: rule.id ?? this.ids.local('flt') });
  }
}
