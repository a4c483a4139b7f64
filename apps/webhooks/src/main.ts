import { loadConfig } from '@dak/config';
import { listen } from '@dak/http';
import { createWebhooksApp } from './app';
import { createWebhooksContext } from './context';
import { EventApplier } from './event-applier';

const config = loadConfig();
const ctx = createWebhooksContext(config);
const applier = new EventApplier(ctx);
applier.start();
const server = await listen(createWebhooksApp(ctx, applier), config.ports.webhooks, config.host);
ctx.logger.info({ url: server.url }, 'webhooks listening');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  ctx.logger.info({ signal }, 'webhooks stopping');
  await server.close();
  await applier.stop();
  await ctx.db.destroy();
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
