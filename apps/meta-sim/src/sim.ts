import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimControl } from './control';
import { buildApp } from './http/app';
import { sendFastPath } from './http/send-fast-path';
import { SimCore } from './sim-core';
import type { MetaSimOptions } from './types';

export interface RunningMetaSim {
  /** Base URL, e.g. http://127.0.0.1:41234 (use as META_GRAPH_URL). */
  url: string;
  port: number;
  /** Every control operation, in-process (the same as the `/_sim` HTTP API). */
  control: SimControl;
  /** The simulator's internals, for tests that need to look deeper than the control API. */
  core: SimCore;
  close(): Promise<void>;
}

/** Starts a simulator on `options.port` (0 = a free port) and resolves once it listens. */
export async function startMetaSim(options: MetaSimOptions): Promise<RunningMetaSim> {
  const core = new SimCore(options);
  const control = new SimControl(core);
  const app = buildApp(core, control);
  const fastSend = sendFastPath(core);
  const server = createServer((req, res) => {
    if (!fastSend(req, res)) app(req, res);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    control,
    core,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        core.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
