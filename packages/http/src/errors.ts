import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { DakError, ServiceUnavailableError } from '@dak/core';

export interface ErrorBody {
  success: false;
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { success: false, error: { code, message, ...(details ? { details } : {}) } };
}

/** A 400 lists this many issues at most, so a request with thousands of mistakes gets a short answer. */
export const MAX_LISTED_ISSUES = 20;

/** Turns a zod failure into a 400 that lists each field at fault (the first MAX_LISTED_ISSUES). */
export function validationError(error: z.ZodError, what = 'request body'): DakError {
  const issues = error.issues
    .slice(0, MAX_LISTED_ISSUES)
    .map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message }));
  const unlisted = error.issues.length - issues.length;
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  const more =
    unlisted > 0
      ? `; and ${unlisted} more ${unlisted === 1 ? 'issue' : 'issues'} not listed (fix these and retry to see them)`
      : '';
  return new DakError('invalid_request', `Invalid ${what}: ${summary}${more}`, {
    issues,
    ...(unlisted > 0 ? { unlisted_issues: unlisted } : {}),
  });
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, what);
  return result.data;
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res
    .status(404)
    .json(
      errorBody(
        'route_not_found',
        `No route ${req.method} ${req.path}. Check the path and method against the API reference.`,
      ),
    );
};

/** SQLSTATEs that mean "Postgres cannot serve right now", not "this request is wrong". */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|not queryable|timeout exceeded when trying to connect|Connection is closed|Stream isn't writeable|max retries per request|connect ECONNREFUSED|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * The one classifier of dependency failures (Postgres or Redis gone, restarting, or too slow
 * to connect): these are worth a retry, so the API answers 503 with Retry-After, the webhook
 * receiver a non-200 (Meta retries), and the worker lets BullMQ retry the job. Looks through
 * `cause` and AggregateError's `errors` (Node reports a refused dual-stack connect that way).
 */
export function isConnectionFailure(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 3) return false;
  const { code, name, message, cause, errors } = error as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code))
  )
    return true;
  if (name === 'MaxRetriesPerRequestError') return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  if (Array.isArray(errors) && errors.some((inner) => isConnectionFailure(inner, depth + 1))) return true;
  return isConnectionFailure(cause, depth + 1);
}

/** The one place errors become HTTP: domain errors keep their status, bad bodies are 400/413, the rest 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof DakError) {
      if (error instanceof ServiceUnavailableError) res.setHeader('Retry-After', String(error.retryAfterSeconds));
      res.status(error.status).json(errorBody(error.code, error.message, error.details));
      return;
    }
    const bodyError = error as { type?: string; status?: number; limit?: number };
    if (bodyError.type === 'entity.parse.failed') {
      res
        .status(400)
        .json(
          errorBody(
            'malformed_json',
            'The request body is not valid JSON. Send a JSON object with Content-Type: application/json.',
          ),
        );
      return;
    }
    if (bodyError.type === 'entity.too.large') {
      res
        .status(413)
        .json(
          errorBody(
            'body_too_large',
            `The request body is larger than the ${bodyError.limit ?? ''} byte limit. Split it into smaller requests.`,
          ),
        );
      return;
    }
    if (bodyError.status && bodyError.status >= 400 && bodyError.status < 500) {
      res
        .status(bodyError.status)
        .json(errorBody('invalid_request', 'The request could not be read. Check the body encoding and Content-Type.'));
      return;
    }
    // Postgres "data exception" (class 22): a value it cannot store, such as a NUL character.
    // Whatever let it through, it came from the request, so it is the caller's 400.
    const pgCode = (error as { code?: unknown }).code;
    if (typeof pgCode === 'string' && /^22[0-9A-Z]{3}$/.test(pgCode)) {
      logger.info({ err: error, reqId: req.id }, 'request value refused by the database');
      res
        .status(400)
        .json(
          errorBody(
            'invalid_value',
            'The request contains a value that cannot be stored (for example a NUL character or an out-of-range number). Remove it and retry.',
          ),
        );
      return;
    }
    if (isConnectionFailure(error)) {
      logger.error({ err: error, reqId: req.id }, 'dependency unavailable');
      res.setHeader('Retry-After', '5');
      res
        .status(503)
        .json(
          errorBody(
            'service_unavailable',
            'A dependency (database or queue) is unavailable. Retry after a few seconds.',
          ),
        );
      return;
    }
    logger.error({ err: error, reqId: req.id }, 'unhandled error');
    res
      .status(500)
      .json(
        errorBody(
          'internal_error',
          'Something went wrong on our side. Retry later; the request id is in the x-request-id header.',
        ),
      );
  };
}
