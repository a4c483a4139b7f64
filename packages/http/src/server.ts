import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { errorBody } from './errors';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(deadlineMs?: number): Promise<void>;
}

const DRAINING_BODY = JSON.stringify(
  errorBody(
    'service_unavailable',
    'This server is shutting down. Retry the request; it will reach a running instance.',
  ),
);

/**
 * Listens (port 0 picks a free one) and gives a close that drains: in-flight requests finish,
 * while a request that arrives on an open keep-alive connection during the drain is answered
 * 503 with `Connection: close` instead of being started (it would race the deadline and the
 * pool closing behind it).
 */
export function listen(app: Express, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  let draining = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!draining) return void app(req, res);
    res.writeHead(503, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(DRAINING_BODY),
      'retry-after': '1',
      connection: 'close',
    });
    res.end(DRAINING_BODY);
  });
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve({
        server,
        port: address.port,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
        close: (deadlineMs = 10_000) =>
          new Promise<void>((done) => {
            draining = true;
            // Stop accepting, let in-flight requests finish, and close keep-alive connections
            // as soon as they go idle (not only those idle right now); past the deadline, close
            // whatever is left.
            const sweep = setInterval(() => server.closeIdleConnections(), 50);
            const force = setTimeout(() => server.closeAllConnections(), deadlineMs);
            server.close(() => {
              clearInterval(sweep);
              clearTimeout(force);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
