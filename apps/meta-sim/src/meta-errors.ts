/** Meta's error codes with their titles and usual HTTP statuses (META.md, "Errors"). */
const CATALOGUE: Record<number, { title: string; http: number; subcode?: number }> = {
  0: { title: 'AuthException', http: 401 },
  1: { title: 'API Unknown', http: 500 },
  2: { title: 'API Service', http: 503 },
  4: { title: 'API Too Many Calls', http: 400 },
  10: { title: 'Permission Denied', http: 403 },
  100: { title: 'Invalid parameter', http: 400 },
  190: { title: 'Access token has expired', http: 401 },
  200: { title: 'API Permission', http: 403 },
  368: { title: 'Temporarily blocked for policies violations', http: 403 },
  2500: { title: 'Unknown path components', http: 400 },
  80007: { title: 'Rate limit issues', http: 400 },
  130429: { title: 'Rate limit hit', http: 400, subcode: 2494055 },
  130472: { title: "User's number is part of an experiment", http: 400 },
  131000: { title: 'Something went wrong', http: 500 },
  131005: { title: 'Access denied', http: 403 },
  131008: { title: 'Required parameter is missing', http: 400 },
  131009: { title: 'Parameter value is not valid', http: 400 },
  131016: { title: 'Service unavailable', http: 503 },
  131021: { title: 'Recipient cannot be sender', http: 400 },
  131026: { title: 'Message undeliverable', http: 400 },
  131031: { title: 'Business Account locked', http: 403 },
  131042: { title: 'Business eligibility payment issue', http: 400 },
  131047: { title: 'Re-engagement message', http: 400 },
  131048: { title: 'Spam rate limit hit', http: 400 },
  131049: {
    title: 'This message was not delivered to maintain healthy ecosystem engagement.',
    http: 400,
  },
  131050: {
    title:
      'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business',
    http: 400,
  },
  131053: { title: 'Media upload error', http: 400 },
  131056: { title: '(Business Account, Consumer Account) pair rate limit hit', http: 400 },
  131057: { title: 'Account has been put in maintenance mode', http: 500 },
  /**
   * The business portfolio's messaging limit (unique users per 24 h). Meta documents no code of
   * its own for it (META.md lists the limit, not an error); this is the one meta-sim answers and
   * Dak's worker classifies (@dak/meta MESSAGING_LIMIT_CODE).
   */
  131064: { title: 'Messaging limit reached', http: 400 },
  132000: { title: 'Number of parameters does not match the expected number of params', http: 400 },
  132001: { title: 'Template name does not exist in the translation', http: 404 },
  132005: { title: 'Translated text too long', http: 400 },
  132007: { title: 'Format character policy violated', http: 400 },
  132012: { title: 'Parameter format does not match format in the created template', http: 400 },
  132015: { title: 'Template is paused', http: 400 },
  132016: { title: 'Template is disabled', http: 400 },
  133004: { title: 'Server temporarily unavailable', http: 503 },
  133010: { title: 'Phone number not registered', http: 400 },
};

/** What meta-sim answers past a portfolio's messaging limit (see the catalogue entry). */
export const MESSAGING_LIMIT_CODE = 131064;

export const ERROR_HREF = 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/';

export function errorTitle(code: number): string {
  return CATALOGUE[code]?.title ?? 'Unknown error';
}

export function knownErrorCodes(): number[] {
  return Object.keys(CATALOGUE).map(Number);
}

/** A Meta API error; the HTTP layer turns it into Meta's error body. */
export class MetaApiError extends Error {
  readonly httpStatus: number;
  readonly title: string;
  readonly subcode: number | undefined;

  constructor(
    readonly code: number,
    readonly details: string,
    options: { httpStatus?: number; subcode?: number; title?: string } = {},
  ) {
    const entry = CATALOGUE[code];
    const title = options.title ?? entry?.title ?? 'Unknown error';
    super(`(#${code}) ${title}`);
    this.name = 'MetaApiError';
    this.title = title;
    this.httpStatus = options.httpStatus ?? entry?.http ?? 400;
    this.subcode = options.subcode ?? entry?.subcode;
  }
}

export interface MetaErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_data: { messaging_product: 'whatsapp'; details: string };
    error_subcode?: number;
    fbtrace_id: string;
  };
}

export function metaErrorBody(error: MetaApiError, fbtraceId: string): MetaErrorBody {
  return {
    error: {
      message: error.message,
      type: 'OAuthException',
      code: error.code,
      error_data: { messaging_product: 'whatsapp', details: error.details },
      ...(error.subcode === undefined ? {} : { error_subcode: error.subcode }),
      fbtrace_id: fbtraceId,
    },
  };
}

/** The `errors` entry of a `failed` status webhook. */
export function statusError(code: number, details?: string) {
  const title = errorTitle(code);
  return { code, title, message: title, error_data: { details: details ?? title }, href: ERROR_HREF };
}
