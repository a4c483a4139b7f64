import helmet from 'helmet';
import type { RequestHandler } from 'express';

/**
 * Security headers on every answer (helmet): nosniff, frames denied (X-Frame-Options and CSP
 * frame-ancestors), no X-Powered-By, and a same-origin CSP that the few pages Dak serves (Swagger
 * UI and the queue board, both from local assets) live within. Insecure requests are not
 * upgraded: Dak listens on plain HTTP behind whatever terminates TLS, and locally there is none.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: { directives: { 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null } },
    frameguard: { action: 'deny' },
  });
}
