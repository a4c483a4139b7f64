import { loadConfig } from '@dak/config';
import { listen } from '@dak/http';
import { createApp } from './app';
import { closeApiContext, createApiContext } from './context';

const config = loadConfig();
const ctx = createApiContext(config);
const server = await listen(createApp(ctx), config.ports.api, config.host);
ctx.logger.info({ url: server.url }, 'api listening');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  ctx.logger.info({ signal }, 'api stopping');
  await server.close();
  await closeApiContext(ctx);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
