import { randomUUID } from 'node:crypto';
import { pino, type DestinationStream, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { RequestHandler } from 'express';

// Secrets never reach the logs: keys, tokens and signatures are censored wherever they appear.
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-dak-signature"]',
  'req.headers.cookie',
  '*.access_token',
  '*.key',
  '*.token',
  'access_token',
];

/** `destination` defaults to stdout; tests pass a stream they read back. */
export function createLogger(options: {
  name: string;
  level: string;
  pretty?: boolean;
  destination?: DestinationStream;
}): Logger {
  const settings = { name: options.name, level: options.level, redact: { paths: REDACT, censor: '[redacted]' } };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/**
 * The path without its query (a query can carry secrets: Meta's handshake sends hub.verify_token
 * in it) and without an automation hook's token (`/hooks/aut_…/<token>`: the URL is the credential).
 */
export function loggedPath(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return path.replace(/(aut_[0-9a-z]{26})\/[^/]+/g, '$1/[redacted]');
}

export function httpLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    // Probes and scrapes arrive every few seconds; a failing probe shows in its own answer.
    autoLogging: { ignore: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.url ?? '') },
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel: (_req, res, error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug',
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: loggedPath(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
