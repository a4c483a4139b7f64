import { loadMetaSimConfig } from '@dak/config';
import { createSimLogger } from './logger';
import { loadSeedFile, optionsFromConfig } from './options-from-config';
import { startMetaSim } from './sim';

const config = loadMetaSimConfig();
const logger = createSimLogger(config.logLevel);
const businesses = config.seedFile ? await loadSeedFile(config.seedFile) : [];
const sim = await startMetaSim(optionsFromConfig(config, businesses, logger));
logger.info(
  { url: sim.url, webhookUrl: config.webhookUrl ?? null, businesses: businesses.length, seed: sim.core.random.seed },
  'meta-sim listening',
);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'meta-sim shutting down');
  sim.close().then(
    () => logger.info('meta-sim stopped'),
    (error: unknown) => {
      logger.error({ err: error }, 'meta-sim did not stop cleanly');
      process.exitCode = 1;
    },
  );
};
process.once('SIGINT', () => shutdown('SIGINT'));
process.once('SIGTERM', () => shutdown('SIGTERM'));
