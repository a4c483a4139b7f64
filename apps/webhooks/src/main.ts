import { loadConfig } from '@dak/config';
import { listen, listenMetrics, onShutdown } from '@dak/http';
import { createWebhooksApp } from './app';
import { closeWebhooksContext, createWebhooksContext } from './context';
import { EventApplier } from './event-applier';

const config = loadConfig();
const ctx = createWebhooksContext(config);
const applier = new EventApplier(ctx);
applier.start();
const server = await listen(createWebhooksApp(ctx, applier), config.ports.webhooks, config.host);
const metrics = await listenMetrics(ctx.registry, { port: config.ports.webhooksMetrics, host: config.metricsHost });
ctx.logger.info({ url: server.url, metrics: `${metrics.url}/metrics` }, 'webhooks listening');

onShutdown(ctx.logger, async () => {
  await server.close();
  await metrics.close();
  await applier.stop();
  await closeWebhooksContext(ctx);
});
