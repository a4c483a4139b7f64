import { loadConfig } from '@dak/config';
import { listen, onShutdown } from '@dak/http';
import { createApp } from './app';
import { closeApiContext, createApiContext } from './context';

const config = loadConfig();
const ctx = createApiContext(config);
const server = await listen(createApp(ctx), config.ports.api, config.host);
ctx.logger.info({ url: server.url }, 'api listening');

onShutdown(ctx.logger, async () => {
  await server.close();
  await closeApiContext(ctx);
});
