import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { optional, parseEnv, port, type Env } from './env';
import {
  DEVELOPMENT_ENCRYPTION_KEY,
  LOCAL_APP_SECRET,
  LOCAL_VERIFY_TOKEN,
  appSecretList,
  appSecretsOf,
  secretProblems,
} from './secrets';

export const LOCAL_DEFAULTS = {
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/dak',
  redisUrl: 'redis://127.0.0.1:6379',
  graphVersion: 'v25.0',
  appSecret: LOCAL_APP_SECRET,
  verifyToken: LOCAL_VERIFY_TOKEN,
  ports: { api: 3000, webhooks: 3001, metaSim: 3002 },
} as const;

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.url().default(LOCAL_DEFAULTS.databaseUrl),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.url().default(LOCAL_DEFAULTS.redisUrl),
  QUEUE_PREFIX: z.string().min(1).default('dak'),
  DAK_ADMIN_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
  DAK_ENCRYPTION_KEY: optional(
    z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters (32 bytes), e.g. `openssl rand -hex 32`'),
  ),
  META_GRAPH_URL: optional(z.url()),
  META_GRAPH_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, 'must look like v25.0')
    .default(LOCAL_DEFAULTS.graphVersion),
  META_APP_SECRETS: optional(appSecretList),
  META_APP_SECRET: optional(z.string()),
  META_VERIFY_TOKEN: optional(z.string()),
  META_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  DAK_PUBLIC_URL: optional(
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://dak.example.com' }),
  ),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port(LOCAL_DEFAULTS.ports.api),
  WEBHOOKS_PORT: port(LOCAL_DEFAULTS.ports.webhooks),
  META_SIM_PORT: port(LOCAL_DEFAULTS.ports.metaSim),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(100),
  WORKER_METRICS_PORT: port(0),
  // /metrics of the API and the webhook receiver: internal listeners, never the public ones.
  API_METRICS_PORT: port(3100),
  WEBHOOKS_METRICS_PORT: port(3101),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  SEND_LEASE_MS: z.coerce.number().int().min(100).default(120_000),
  SWEEP_GRACE_MS: z.coerce.number().int().min(0).default(15_000),
  // Dispatch (apps/worker/src/dispatch): every DISPATCH_TICK_MS one worker admits from Postgres
  // what each number can send in the next DISPATCH_WINDOW_MS, at DISPATCH_RATE_SHARE of its mps.
  DISPATCH_TICK_MS: z.coerce.number().int().min(10).max(1_000).default(50),
  DISPATCH_WINDOW_MS: z.coerce.number().int().min(100).max(10_000).default(400),
  DISPATCH_RATE_SHARE: z.coerce.number().gt(0).max(1).default(1),
  // Meta allows about 200 template-management requests per hour per WABA; a list of up to 100
  // templates is one request, so the default 15 min stays far below it. 0 turns it off.
  TEMPLATE_SYNC_INTERVAL_MS: z.coerce
    .number()
    .int()
    .refine((ms) => ms === 0 || ms >= 100, 'must be 0 (off) or at least 100')
    .default(900_000),
  // Meta re-evaluates a portfolio's messaging tier within hours of its use; reading it hourly is
  // one Graph request per number per hour. 0 turns it off (the tier is then what an operator sets).
  MESSAGING_TIER_SYNC_INTERVAL_MS: z.coerce
    .number()
    .int()
    .refine((ms) => ms === 0 || ms >= 100, 'must be 0 (off) or at least 100')
    .default(3_600_000),
  // Raw webhook events (inbound message bodies among them: personal data) are deleted this many
  // days after they arrived, once applied or closed.
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  // Customers' messages (inbound_messages: personal data) are deleted this many days after they
  // were sent, and a conversation left with no message in either direction goes once it has had
  // no activity for as long. 90 days keeps a quarter's support history in the inbox; an account
  // that must keep more raises it.
  INBOUND_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  // Callbacks (Dak → the business's endpoints, apps/worker/src/callbacks).
  CALLBACK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  CALLBACK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  CALLBACK_RETRY_BASE_MS: z.coerce.number().int().min(10).default(10_000),
  // While an endpoint is failing, one delivery probes it at a time, at least this often.
  CALLBACK_PROBE_INTERVAL_MS: z.coerce.number().int().min(10).default(10_000),
  CALLBACK_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(10).default(3_600_000),
  CALLBACK_RETRY_WINDOW_MS: z.coerce.number().int().min(100).default(86_400_000),
  CALLBACK_DISABLE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(3 * 86_400_000),
  CALLBACK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  // Unset: allowed outside production (a receiver on localhost), refused in production.
  CALLBACK_ALLOW_PRIVATE_URLS: optional(z.enum(['true', 'false', '1', '0'])),
  // Replies that opt a contact out of (or back into) marketing: comma-separated, matched against
  // the whole trimmed message in any case. Unset: @dak/core's defaults (English and Indian languages).
  OPT_OUT_KEYWORDS: optional(z.string().min(1)),
  // Not `optional`: an empty OPT_IN_KEYWORDS is an empty list (opting back in only by hand), not the default.
  OPT_IN_KEYWORDS: z.string().optional(),
  // Media kept by GET /media/:id (a cache: Meta keeps media 30 days and Dak downloads again when
  // a file is gone). Files live under MEDIA_DIR/<account id>/; past MEDIA_MAX_STORED_BYTES in
  // total, files are streamed from Meta without being kept.
  MEDIA_DIR: z.string().min(1).default(join(tmpdir(), 'dak-media')),
  MEDIA_MAX_STORED_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(1024 * 1024 * 1024),
  // Kept files (and their records) are deleted this many days after Dak recorded them; a
  // customer's file also once its message is past INBOUND_RETENTION_DAYS. 30: Meta keeps media
  // 30 days, so past it an uploaded id can no longer be sent and a customer's file could not be
  // fetched again either; keeping the copy longer only keeps personal data longer.
  MEDIA_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  DEFAULT_PRICE_MINOR: z.coerce.number().int().min(0).default(10),
  DEFAULT_CURRENCY: z.string().length(3).default('INR'),
  // wallet.low_balance: a new account's threshold (minor units; each account may set its own
  // with PATCH /wallet): when its spendable credit falls below it, it hears so once per dip.
  DEFAULT_LOW_BALANCE_THRESHOLD_MINOR: z.coerce.number().int().min(0).default(10_000),
});

export interface DakConfig {
  env: 'development' | 'test' | 'production';
  logLevel: string;
  db: { url: string; poolSize: number };
  redis: { url: string; prefix: string };
  adminToken: string | undefined;
  encryptionKey: Buffer;
  meta: {
    graphUrl: string;
    graphVersion: string;
    /** Every app secret a webhook may be signed with (several while one is rotated). */
    appSecrets: string[];
    verifyToken: string;
    requestTimeoutMs: number;
  };
  /** Interface the HTTP listeners bind to (0.0.0.0 in containers). */
  host: string;
  /** Where the API is reached from outside, without a trailing slash: automation hook URLs start with it. */
  publicUrl: string;
  ports: {
    api: number;
    webhooks: number;
    metaSim: number;
    workerMetrics: number;
    apiMetrics: number;
    webhooksMetrics: number;
  };
  /** Interface of the internal /metrics listeners (127.0.0.1 unless a scraper elsewhere needs them). */
  metricsHost: string;
  worker: { concurrency: number; sweepIntervalMs: number; sendLeaseMs: number; sweepGraceMs: number };
  /** How sends are admitted and paced (apps/worker/src/dispatch). */
  dispatch: { tickMs: number; windowMs: number; rateShare: number };
  pricing: { defaultPriceMinor: number; currency: string; lowBalanceThresholdMinor: number };
  /** The worker's periodic template sync of every account; 0 means webhooks and the admin sync only. */
  templateSync: { intervalMs: number };
  /** The worker's periodic read of each account's messaging tier from Meta; 0 means the admin sync only. */
  messagingTierSync: { intervalMs: number };
  /** Days raw webhook events, and customers' messages (with conversations left empty), are kept. */
  retention: { eventDays: number; inboundDays: number };
  /** Where GET /media/:id keeps files, how many bytes in all it keeps, and for how many days. */
  media: { dir: string; maxStoredBytes: number; retentionDays: number };
  /**
   * Reply keywords that opt a contact out of marketing, or back in (an empty optIn: only by hand);
   * undefined means @dak/core's defaults.
   */
  contacts: { optOutKeywords: string[] | undefined; optInKeywords: string[] | undefined };
  callbacks: {
    /** Deliveries in flight per worker process (HTTP, IO-bound). */
    concurrency: number;
    timeoutMs: number;
    /** The first retry's delay; each next one doubles, with jitter, up to maxDelayMs. */
    retryBaseMs: number;
    retryMaxDelayMs: number;
    /** A failing endpoint is probed (one delivery) at least this often; its other deliveries wait for the probe's success. */
    probeIntervalMs: number;
    /** Past this after its first attempt a delivery is parked as failed. */
    retryWindowMs: number;
    /** An endpoint whose every attempt has failed for this long is disabled. */
    disableAfterMs: number;
    retentionDays: number;
    /** Whether endpoints may be private, loopback or link-local addresses (local development). */
    allowPrivateUrls: boolean;
  };
}

const keywordList = (list: string | undefined) =>
  list === undefined
    ? undefined
    : list
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k.length > 0);

/** Turns the raw environment into Dak's typed configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): DakConfig {
  // Production refuses to start without its own secrets; elsewhere the local defaults stand in.
  const raw = parseEnv(schema, env, secretProblems(env));
  return {
    env: raw.NODE_ENV,
    logLevel: raw.LOG_LEVEL,
    db: { url: raw.DATABASE_URL, poolSize: raw.DATABASE_POOL_SIZE },
    redis: { url: raw.REDIS_URL, prefix: raw.QUEUE_PREFIX },
    adminToken: raw.DAK_ADMIN_TOKEN,
    encryptionKey: Buffer.from(raw.DAK_ENCRYPTION_KEY ?? DEVELOPMENT_ENCRYPTION_KEY, 'hex'),
    meta: {
      graphUrl: (raw.META_GRAPH_URL ?? `http://127.0.0.1:${raw.META_SIM_PORT}`).replace(/\/+$/, ''),
      graphVersion: raw.META_GRAPH_VERSION,
      appSecrets: appSecretsOf(raw) ?? [LOCAL_DEFAULTS.appSecret],
      verifyToken: raw.META_VERIFY_TOKEN ?? LOCAL_DEFAULTS.verifyToken,
      requestTimeoutMs: raw.META_REQUEST_TIMEOUT_MS,
    },
    host: raw.HOST,
    publicUrl: (raw.DAK_PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ''),
    ports: {
      api: raw.PORT,
      webhooks: raw.WEBHOOKS_PORT,
      metaSim: raw.META_SIM_PORT,
      workerMetrics: raw.WORKER_METRICS_PORT,
      apiMetrics: raw.API_METRICS_PORT,
      webhooksMetrics: raw.WEBHOOKS_METRICS_PORT,
    },
    metricsHost: raw.METRICS_HOST,
    worker: {
      concurrency: raw.WORKER_CONCURRENCY,
      sweepIntervalMs: raw.SWEEP_INTERVAL_MS,
      sendLeaseMs: raw.SEND_LEASE_MS,
      sweepGraceMs: raw.SWEEP_GRACE_MS,
    },
    dispatch: { tickMs: raw.DISPATCH_TICK_MS, windowMs: raw.DISPATCH_WINDOW_MS, rateShare: raw.DISPATCH_RATE_SHARE },
    pricing: {
      defaultPriceMinor: raw.DEFAULT_PRICE_MINOR,
      currency: raw.DEFAULT_CURRENCY,
      lowBalanceThresholdMinor: raw.DEFAULT_LOW_BALANCE_THRESHOLD_MINOR,
    },
    templateSync: { intervalMs: raw.TEMPLATE_SYNC_INTERVAL_MS },
    messagingTierSync: { intervalMs: raw.MESSAGING_TIER_SYNC_INTERVAL_MS },
    retention: { eventDays: raw.EVENT_RETENTION_DAYS, inboundDays: raw.INBOUND_RETENTION_DAYS },
    media: {
      dir: raw.MEDIA_DIR,
      maxStoredBytes: raw.MEDIA_MAX_STORED_BYTES,
      retentionDays: raw.MEDIA_RETENTION_DAYS,
    },
    contacts: {
      optOutKeywords: keywordList(raw.OPT_OUT_KEYWORDS),
      optInKeywords: keywordList(raw.OPT_IN_KEYWORDS),
    },
    callbacks: {
      concurrency: raw.CALLBACK_CONCURRENCY,
      timeoutMs: raw.CALLBACK_TIMEOUT_MS,
      retryBaseMs: raw.CALLBACK_RETRY_BASE_MS,
      probeIntervalMs: raw.CALLBACK_PROBE_INTERVAL_MS,
      retryMaxDelayMs: raw.CALLBACK_RETRY_MAX_DELAY_MS,
      retryWindowMs: raw.CALLBACK_RETRY_WINDOW_MS,
      disableAfterMs: raw.CALLBACK_DISABLE_AFTER_MS,
      retentionDays: raw.CALLBACK_RETENTION_DAYS,
      allowPrivateUrls:
        raw.CALLBACK_ALLOW_PRIVATE_URLS === undefined
          ? raw.NODE_ENV !== 'production'
          : ['true', '1'].includes(raw.CALLBACK_ALLOW_PRIVATE_URLS),
    },
  };
}
