import pino, { type DestinationStream, type Logger } from 'pino';

// Requests to the simulator carry the businesses' access tokens as Bearer headers (and Meta
// allows them as an access_token query parameter): neither reaches the log.
const REDACT = ['req.headers.authorization', 'req.query.access_token', '*.access_token'];

/** The simulator's logger; `destination` defaults to stdout (tests pass a stream they read back). */
export function createSimLogger(level: string, destination?: DestinationStream): Logger {
  const settings = { level, name: 'meta-sim', redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(settings, destination) : pino(settings);
}
