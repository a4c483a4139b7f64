/**
 * Every error code Dak answers, with its HTTP status and what it means. Codes are stable and
 * snake_case: callers branch on them. The OpenAPI document lists each operation's codes from
 * here, and a thrown error takes its status from here, so a code cannot drift from its status.
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, means: 'a field is missing or invalid; details.issues lists each one' },
  malformed_json: { status: 400, means: 'the body is not valid JSON' },
  json_too_deep: { status: 400, means: 'the JSON body is nested deeper than any Dak request needs' },
  invalid_value: { status: 400, means: 'a value cannot be stored (a NUL character, an out-of-range number)' },
  invalid_phone_number: { status: 400, means: 'the recipient is not a plausible phone number' },
  invalid_user_id: { status: 400, means: "the recipient's user_id is not a Meta business-scoped user id" },
  invalid_idempotency_key: { status: 400, means: 'Idempotency-Key is empty or too long' },
  invalid_challenge: { status: 400, means: 'hub.challenge is not the number Meta sends' },
  no_access_token: { status: 400, means: 'the account has no phone number with an access token to call Meta with' },
  meta_refused: { status: 400, means: "Meta refused the request; the message carries Meta's error" },
  foreign_next_page: { status: 400, means: "Meta's paging link points outside the configured Graph API" },

  missing_api_key: { status: 401, means: 'no API key was sent' },
  invalid_api_key: { status: 401, means: 'the API key is unknown, revoked or expired' },
  invalid_admin_token: { status: 401, means: 'the admin token is missing or wrong' },
  admin_disabled: { status: 401, means: 'the admin API is off (DAK_ADMIN_TOKEN is not set)' },
  invalid_signature: { status: 401, means: 'X-Hub-Signature-256 is missing or does not match the body' },
  invalid_hook_token: { status: 401, means: "the hook URL's automation id or token is wrong" },
  invalid_hook_signature: {
    status: 401,
    means: "the hook call's signature or token header is missing or does not match the automation's verify secret",
  },

  insufficient_funds: { status: 402, means: 'the wallet cannot cover the price, or it owes debt' },

  phone_number_not_allowed: { status: 403, means: 'this API key may not send from that number' },
  verification_failed: { status: 403, means: "the subscription check's mode or verify token is wrong" },

  route_not_found: { status: 404, means: 'no such path and method' },
  account_not_found: { status: 404, means: 'no such account' },
  api_key_not_found: { status: 404, means: 'no such API key' },
  phone_number_not_found: { status: 404, means: "no such phone number in the caller's account" },
  template_not_found: { status: 404, means: "no such template in the caller's account" },
  message_not_found: { status: 404, means: "no such message in the caller's account" },
  batch_not_found: { status: 404, means: "no such batch in the caller's account" },
  wallet_not_found: { status: 404, means: 'the account has no wallet yet' },
  callback_not_found: { status: 404, means: "no such callback endpoint in the caller's account" },
  callback_event_not_found: { status: 404, means: 'the callback endpoint never had that event' },
  automation_not_found: { status: 404, means: "no such automation in the caller's account" },
  media_not_found: {
    status: 404,
    means: "no such media for the caller's account (uploaded by it or sent to its numbers)",
  },
  contact_not_found: { status: 404, means: "no such contact in the caller's account" },
  conversation_not_found: { status: 404, means: "no such conversation in the caller's account" },

  account_exists: { status: 409, means: 'an account for that WABA exists' },
  phone_number_exists: { status: 409, means: 'that Meta phone number id is registered' },
  idempotency_key_reused: { status: 409, means: 'the Idempotency-Key was used with another body' },
  topup_reference_reused: { status: 409, means: 'the top-up reference was used with another amount' },

  body_too_large: { status: 413, means: 'the body is larger than the endpoint reads' },
  media_too_large: { status: 413, means: 'the file is larger than Meta accepts for its type' },
  batch_too_large: { status: 413, means: 'more messages than one batch takes' },

  media_type_not_supported: { status: 415, means: 'Meta does not accept files of that type' },

  variables_mismatch: { status: 422, means: "the variables do not fit the template's placeholders" },
  template_not_approved: { status: 422, means: 'the template is not APPROVED' },
  priority_not_allowed: { status: 422, means: "the priority is faster than the template's category allows" },
  no_valid_messages: { status: 422, means: 'every item of the batch is invalid' },
  messaging_limit_exceeded: {
    status: 422,
    means: "the request's new recipients exceed what is left of the account's messaging tier (unique users per 24 h)",
  },
  window_closed: {
    status: 422,
    means: 'the customer has not written to this number in the last 24 hours: only a template reaches them',
  },
  reply_to_not_found: {
    status: 422,
    means: "reply_to (or a reaction's message_id) names no message of this number with a wamid",
  },
  recipient_opted_out: {
    status: 422,
    means:
      'the recipient opted out of marketing (a STOP reply, Meta 131050 or by hand); utility and authentication still go',
  },
  callback_url_refused: { status: 422, means: 'the callback URL is not http(s), or not a public address' },
  callback_unreachable: { status: 422, means: 'the callback URL did not answer the registration ping' },
  callback_disabled: { status: 422, means: 'the callback endpoint is disabled; enable it first' },
  too_many_callbacks: { status: 422, means: 'the account has as many callback endpoints as it may' },

  rate_limited: { status: 429, means: 'the request rate is used up; retry after Retry-After seconds' },

  internal_error: { status: 500, means: "a fault on Dak's side" },
  meta_unexpected_answer: {
    status: 502,
    means: 'Meta answered something Dak cannot read (such as a messaging tier it does not know); nothing was changed',
  },
  service_unavailable: {
    status: 503,
    means: 'a dependency (Postgres or Redis) is down; retry after Retry-After seconds',
  },
} as const satisfies Record<string, { status: number; means: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}

/**
 * The one error class of the domain: a catalogued code, a message saying what is wrong and how
 * to fix it, and optional structured details. One error middleware turns it into Dak's JSON
 * error body with the code's status.
 */
export class DakError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
    this.status = statusOf(code);
  }
}

/** A dependency is down or too slow: the answer carries Retry-After. */
export class ServiceUnavailableError extends DakError {
  constructor(
    message: string,
    readonly retryAfterSeconds = 5,
  ) {
    super('service_unavailable', message);
  }
}
