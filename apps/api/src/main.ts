import { loadConfig } from '@dak/config';
import { listen, listenMetrics, onShutdown } from '@dak/http';
import { createApp } from './app';
import { closeApiContext, createApiContext } from './context';
import { startAutomationRecovery } from './resources/automations/recovery';

const config = loadConfig();
const ctx = createApiContext(config);
const server = await listen(createApp(ctx), config.ports.api, config.host);
const metrics = await listenMetrics(ctx.metrics, { port: config.ports.apiMetrics, host: config.metricsHost });
ctx.logger.info({ url: server.url, metrics: `${metrics.url}/metrics` }, 'api listening');
// Automation events stored but not evaluated (a process died between the two) are evaluated here.
const recovery = startAutomationRecovery(ctx);

onShutdown(ctx.logger, async () => {
  await server.close();
  await recovery.stop();
  await metrics.close();
  await closeApiContext(ctx);
});
