/**
 * Domain errors carry a stable `code` and the HTTP status they map to; one error middleware
 * turns them into Dak's JSON error body. Messages say what is wrong and how to fix it.
 */
export class DakError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DakError {
  constructor(message: string, details?: Record<string, unknown>, code = 'invalid_request') {
    super(400, code, message, details);
  }
}

export class UnauthorizedError extends DakError {
  constructor(message: string, code = 'unauthorized') {
    super(401, code, message);
  }
}

export class InsufficientFundsError extends DakError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(402, 'insufficient_funds', message, details);
  }
}

export class ForbiddenError extends DakError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends DakError {
  constructor(message: string, code = 'not_found') {
    super(404, code, message);
  }
}

export class ConflictError extends DakError {
  constructor(message: string, code = 'conflict', details?: Record<string, unknown>) {
    super(409, code, message, details);
  }
}

export class UnprocessableError extends DakError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(422, code, message, details);
  }
}

export class ServiceUnavailableError extends DakError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
  ) {
    super(503, 'service_unavailable', message);
  }
}

export class PayloadTooLargeError extends DakError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(413, 'body_too_large', message, details);
  }
}

/** The caller's headers (Retry-After, RateLimit-*) are set on the response by whoever throws this. */
export class RateLimitedError extends DakError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(429, 'rate_limited', message, details);
  }
}
