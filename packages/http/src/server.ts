import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  close(deadlineMs?: number): Promise<void>;
}

/** Listens (port 0 picks a free one) and gives a close that waits for in-flight requests. */
export function listen(app: Express, port: number, host = '127.0.0.1'): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => {
      if (error) return reject(error);
      const address = server.address() as AddressInfo;
      resolve({
        server,
        port: address.port,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
        close: (deadlineMs = 10_000) =>
          new Promise<void>((done) => {
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
    server.keepAliveTimeout = 65_000;
  });
}
