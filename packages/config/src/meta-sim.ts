import { z } from 'zod';
import { LOCAL_DEFAULTS } from './dak';
import { optional, parseEnv, port, type Env } from './env';
import { appSecretList, appSecretsOf } from './secrets';

const ms = (fallback: number) => z.coerce.number().int().min(0).max(86_400_000).default(fallback);
const rate = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);

const schema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  META_SIM_PORT: port(LOCAL_DEFAULTS.ports.metaSim),
  META_SIM_HOST: z.string().min(1).default('127.0.0.1'),
  // The simulator signs with one secret: META_APP_SECRET, or the first of Dak's META_APP_SECRETS
  // so that one environment serves both.
  META_APP_SECRET: optional(z.string()),
  META_APP_SECRETS: optional(appSecretList),
  META_VERIFY_TOKEN: z.string().min(1).default(LOCAL_DEFAULTS.verifyToken),
  // An empty value or `none` turns webhook sending off.
  META_SIM_WEBHOOK_URL: z
    .union([z.url(), z.literal(''), z.literal('none')])
    .default(`http://127.0.0.1:${LOCAL_DEFAULTS.ports.webhooks}/webhooks/meta`),
  META_SIM_SEED_FILE: z.string().min(1).optional(),
  META_SIM_RANDOM_SEED: z.coerce.number().int().optional(),
  META_SIM_SENT_DELAY_MS: ms(100),
  META_SIM_DELIVERED_DELAY_MS: ms(500),
  META_SIM_READ_DELAY_MS: ms(1_500),
  META_SIM_DELAY_JITTER_MS: ms(0),
  META_SIM_DEFAULT_MPS: z.coerce.number().int().min(1).max(100_000).default(80),
  META_SIM_THROUGHPUT_TOLERANCE: z.coerce.number().min(0).max(10).default(0.1),
  META_SIM_PAIR_BURST: z.coerce.number().int().min(0).max(100_000).default(45),
  META_SIM_PAIR_INTERVAL_MS: ms(6_000),
  META_SIM_WEBHOOK_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
  META_SIM_WEBHOOK_BATCH_WINDOW_MS: ms(0),
  META_SIM_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1_024).default(32),
  META_SIM_WEBHOOK_TIMEOUT_MS: ms(10_000),
  META_SIM_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1_000).default(12),
  META_SIM_WEBHOOK_RETRY_BASE_MS: ms(1_000),
  META_SIM_WEBHOOK_RETRY_MAX_MS: ms(300_000),
  META_SIM_DUPLICATE_RATE: rate(0),
  META_SIM_REORDER_RATE: rate(0),
  META_SIM_TEMPLATE_REVIEW_DELAY_MS: ms(2_000),
  META_SIM_MAX_RECORDED: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
});

export interface MetaSimConfig {
  logLevel: string;
  port: number;
  host: string;
  appSecret: string;
  verifyToken: string;
  webhookUrl: string | undefined;
  seedFile: string | undefined;
  randomSeed: number | undefined;
  webhookDelaysMs: { sent: number; delivered: number; read: number };
  webhookJitterMs: number;
  defaultMps: number;
  throughputTolerance: number;
  pairRateLimit: { burst: number; intervalMs: number };
  webhook: {
    batchSize: number;
    batchWindowMs: number;
    concurrency: number;
    timeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    duplicateRate: number;
    reorderRate: number;
  };
  templateReviewDelayMs: number;
  maxRecorded: number;
}

/** Turns the raw environment into the simulator's typed configuration; throws ConfigError listing every problem. */
export function loadMetaSimConfig(env: Env = process.env): MetaSimConfig {
  const raw = parseEnv(schema, env);
  const url = raw.META_SIM_WEBHOOK_URL;
  return {
    logLevel: raw.LOG_LEVEL,
    port: raw.META_SIM_PORT,
    host: raw.META_SIM_HOST,
    appSecret: appSecretsOf(raw)?.[0] ?? LOCAL_DEFAULTS.appSecret,
    verifyToken: raw.META_VERIFY_TOKEN,
    webhookUrl: url === '' || url === 'none' ? undefined : url,
    seedFile: raw.META_SIM_SEED_FILE,
    randomSeed: raw.META_SIM_RANDOM_SEED,
    webhookDelaysMs: {
      sent: raw.META_SIM_SENT_DELAY_MS,
      delivered: raw.META_SIM_DELIVERED_DELAY_MS,
      read: raw.META_SIM_READ_DELAY_MS,
    },
    webhookJitterMs: raw.META_SIM_DELAY_JITTER_MS,
    defaultMps: raw.META_SIM_DEFAULT_MPS,
    throughputTolerance: raw.META_SIM_THROUGHPUT_TOLERANCE,
    pairRateLimit: { burst: raw.META_SIM_PAIR_BURST, intervalMs: raw.META_SIM_PAIR_INTERVAL_MS },
    webhook: {
      batchSize: raw.META_SIM_WEBHOOK_BATCH_SIZE,
      batchWindowMs: raw.META_SIM_WEBHOOK_BATCH_WINDOW_MS,
      concurrency: raw.META_SIM_WEBHOOK_CONCURRENCY,
      timeoutMs: raw.META_SIM_WEBHOOK_TIMEOUT_MS,
      maxAttempts: raw.META_SIM_WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: raw.META_SIM_WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: raw.META_SIM_WEBHOOK_RETRY_MAX_MS,
      duplicateRate: raw.META_SIM_DUPLICATE_RATE,
      reorderRate: raw.META_SIM_REORDER_RATE,
    },
    templateReviewDelayMs: raw.META_SIM_TEMPLATE_REVIEW_DELAY_MS,
    maxRecorded: raw.META_SIM_MAX_RECORDED,
  };
}
