import { readFile } from 'node:fs/promises';
import type { MetaSimConfig } from '@dak/config';
import type { Logger } from 'pino';
import { seedFileSchema } from './control-schemas';
import type { BusinessSeed, MetaSimOptions } from './types';

/** Reads a seed file: `{ "businesses": BusinessSeed[] }`. */
export async function loadSeedFile(path: string): Promise<BusinessSeed[]> {
  const text = await readFile(path, 'utf8');
  const result = seedFileSchema.safeParse(JSON.parse(text));
  if (!result.success) {
    throw new Error(`${path}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return result.data.businesses as BusinessSeed[];
}

/** Maps the environment's typed config onto simulator options. */
export function optionsFromConfig(config: MetaSimConfig, businesses: BusinessSeed[], logger: Logger): MetaSimOptions {
  return {
    port: config.port,
    host: config.host,
    appSecret: config.appSecret,
    verifyToken: config.verifyToken,
    ...(config.webhookUrl === undefined ? {} : { webhookUrl: config.webhookUrl }),
    ...(config.randomSeed === undefined ? {} : { randomSeed: config.randomSeed }),
    businesses,
    logger,
    webhookDelaysMs: config.webhookDelaysMs,
    webhook: { ...config.webhook, jitterMs: config.webhookJitterMs },
    defaultMps: config.defaultMps,
    throughputTolerance: config.throughputTolerance,
    pairRateLimit: config.pairRateLimit,
    templateReviewDelayMs: config.templateReviewDelayMs,
    maxRecorded: config.maxRecorded,
  };
}
