import { loadConfig } from '@dak/config';
import { listen, listenMetrics, onShutdown } from '@dak/http';
import { createApp } from './app';
import { closeApiContext, createApiContext } from './context';
import { startAutomationRecovery } from './resources/automations/recovery';
import { startMediaRetention } from './resources/media/retention';

const config = loadConfig();
const ctx = createApiContext(config);
const server = await listen(createApp(ctx), config.ports.api, config.host);
const metrics = await listenMetrics(ctx.metrics, { port: config.ports.apiMetrics, host: config.metricsHost });
ctx.logger.info({ url: server.url, metrics: `${metrics.url}/metrics` }, 'api listening');
// Automation events stored but not evaluated (a process died between the two) are evaluated here.
const recovery = startAutomationRecovery(ctx);
// Kept media files live on this process's volume, so their retention runs here (not in the worker).
const mediaRetention = startMediaRetention(ctx);

onShutdown(ctx.logger, async () => {
  await server.close();
  await recovery.stop();
  await mediaRetention.stop();
  await metrics.close();
  await closeApiContext(ctx);
});
