import { loadConfig } from '@dak/config';
import { listen, onShutdown } from '@dak/http';
import { createWebhooksApp } from './app';
import { createWebhooksContext } from './context';
import { EventApplier } from './event-applier';

const config = loadConfig();
const ctx = createWebhooksContext(config);
const applier = new EventApplier(ctx);
applier.start();
const server = await listen(createWebhooksApp(ctx, applier), config.ports.webhooks, config.host);
ctx.logger.info({ url: server.url }, 'webhooks listening');

onShutdown(ctx.logger, async () => {
  await server.close();
  await applier.stop();
  await ctx.db.destroy();
});
