import { loadConfig } from '@dak/config';
import { listen, listenMetrics, onShutdown } from '@dak/http';
import { createApp } from './app';
import { closeApiContext, createApiContext } from './context';

const config = loadConfig();
const ctx = createApiContext(config);
const server = await listen(createApp(ctx), config.ports.api, config.host);
const metrics = await listenMetrics(ctx.metrics, { port: config.ports.apiMetrics, host: config.metricsHost });
ctx.logger.info({ url: server.url, metrics: `${metrics.url}/metrics` }, 'api listening');

onShutdown(ctx.logger, async () => {
  await server.close();
  await metrics.close();
  await closeApiContext(ctx);
});
