import type { MessagingLimitTier } from './messaging-limit';
import type { Logger } from 'pino';

export type TemplateStatus =
  | 'APPROVED'
  | 'PENDING'
  | 'REJECTED'
  | 'PAUSED'
  | 'DISABLED'
  | 'IN_APPEAL'
  | 'ARCHIVED'
  | 'PENDING_DELETION'
  | 'DELETED'
  | 'LIMIT_EXCEEDED';

export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

export interface TemplateButton {
  type: 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER' | 'COPY_CODE' | 'OTP' | 'FLOW' | (string & {});
  text?: string;
  url?: string;
  phone_number?: string;
  example?: string[] | string;
  otp_type?: string;
  flow_id?: string;
  flow_action?: string;
  navigate_screen?: string;
}

export interface TemplateComponent {
  type: 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS' | (string & {});
  format?: 'TEXT' | 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'LOCATION' | (string & {});
  text?: string;
  buttons?: TemplateButton[];
  example?: Record<string, unknown>;
  add_security_recommendation?: boolean;
  code_expiration_minutes?: number;
}

/** Meta's template object, as `GET /{template_id}` returns it. */
export interface MetaTemplate {
  id: string;
  name: string;
  language: string;
  status: TemplateStatus | (string & {});
  category: TemplateCategory | (string & {});
  parameter_format?: 'POSITIONAL' | 'NAMED';
  components: TemplateComponent[];
  rejected_reason?: string;
  sub_category?: string;
  message_send_ttl_seconds?: number;
}

export interface PhoneNumberSeed {
  phone_number_id: string;
  display_phone_number: string;
  /** Messages per second (Meta: 80 by default, up to 1,000). */
  mps?: number;
  verified_name?: string;
}

export interface BusinessSeed {
  waba_id: string;
  name?: string;
  /** The portfolio's messaging limit (unique users per 24 h); default TIER_UNLIMITED. */
  messaging_limit_tier?: MessagingLimitTier;
  /** Bearer token valid for this WABA's phone numbers and templates. */
  access_token: string;
  phone_numbers: PhoneNumberSeed[];
  templates?: MetaTemplate[];
}

export interface WebhookDelaysMs {
  sent?: number;
  delivered?: number;
  read?: number;
}

export interface PairRateLimit {
  /** Messages a (phone number, recipient) pair may send at once before the steady rate applies. */
  burst: number;
  /** One message of quota comes back every `intervalMs`. 0 turns the pair limit off. */
  intervalMs: number;
}

export interface WebhookSettings {
  /** Where webhooks are POSTed; undefined = built and recorded, not sent. */
  url?: string | undefined;
  /** Time from send acceptance to each status. */
  delaysMs: { sent: number; delivered: number; read: number };
  /** Uniform random extra delay [0, jitterMs) added to each status, drawn from the seeded generator. */
  jitterMs: number;
  /** Most status updates in one POST (Meta: up to 1,000). */
  batchSize: number;
  /** How long due updates wait to be batched together; 0 = whatever is due in the same tick. */
  batchWindowMs: number;
  /** POSTs in flight at once. */
  concurrency: number;
  /** Per-attempt timeout; a timeout counts as a failed attempt. */
  timeoutMs: number;
  /** Attempts in all, including the first. */
  maxAttempts: number;
  /** Backoff before retry n is min(retryMaxMs, retryBaseMs * 2^(n-1)). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Probability that a status update is delivered a second time in its own POST. */
  duplicateRate: number;
  /** Probability that a message's read arrives before its delivered (and delivered after failed). */
  reorderRate: number;
  /** Probability that a delivered message is read at all (special recipients aside). */
  readRate: number;
}

export type RecipientBehaviour =
  /** `sent`, then `failed` 131026. */
  | 'not_on_whatsapp'
  /** `failed` 131049 for marketing templates. */
  | 'marketing_limit'
  /** `failed` 131050 for marketing templates. */
  | 'marketing_opt_out'
  /** `sent`, `delivered`, never `read`. */
  | 'never_reads'
  /** `sent`, then `read` with no `delivered` (Meta skips delivered when both happen together). */
  | 'reads_instantly'
  /** `sent` and nothing more. */
  | 'never_delivers'
  /** `sent`, `failed` (131000 unless errorCode is set), then a late `delivered`. */
  | 'fails_then_delivers'
  /** `sent`, then `failed` with `errorCode`. */
  | 'fails'
  /** Delivered and read as usual, then the user answers with `replyText` (or taps the quick reply). */
  | 'replies';

export interface SpecialRecipientRule {
  id?: string;
  /** Matches wa_ids starting with this prefix. */
  prefix?: string;
  /** Matches exactly these wa_ids. */
  numbers?: string[];
  behaviour: RecipientBehaviour;
  /** For `fails` / `fails_then_delivers`. */
  errorCode?: number;
  /** For `replies`. */
  replyText?: string;
  /** Template categories the rule applies to; default all (MARKETING only for marketing_limit / marketing_opt_out). */
  categories?: string[];
}

export type FaultKind = 'error' | 'delay' | 'timeout' | 'drop';
export type FaultRoute = 'messages' | 'templates' | 'all';

export interface FaultRule {
  id?: string;
  kind: FaultKind;
  /** Which Meta endpoints the fault applies to; default `messages`. */
  route?: FaultRoute;
  /** Only requests for this phone number (messages) / WABA (templates). */
  phoneNumberId?: string;
  wabaId?: string;
  /** Apply to this many matching requests, then retire; default unlimited. */
  count?: number;
  /** Chance that a matching request is affected, from the seeded generator; default 1. */
  probability?: number;
  /** `error`: Meta error code (default 131000) and optional HTTP status / details override. */
  code?: number;
  httpStatus?: number;
  details?: string;
  /** `delay`: answer normally after this long. */
  delayMs?: number;
  /**
   * `timeout` / `drop`: `before` = the request is not processed; `after` = the message is
   * accepted (its webhooks follow) but the answer never arrives, like a lost response.
   */
  when?: 'before' | 'after';
}

export interface MetaSimOptions {
  /** 0 = random free port; default 0. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** HMAC key for X-Hub-Signature-256. */
  appSecret: string;
  verifyToken?: string;
  /** Where status / inbound / template webhooks are POSTed; none = not sent (still recorded). */
  webhookUrl?: string;
  businesses?: BusinessSeed[];
  /** Seed for every random choice (ids, jitter, probabilities); default random. */
  randomSeed?: number;
  /** Time from send accept to each status; default 100 / 500 / 1500. */
  webhookDelaysMs?: WebhookDelaysMs;
  /** Default silent. */
  logger?: Logger;
  /** Further webhook behaviour (batching, retries, duplicates, reordering, jitter). */
  webhook?: Partial<Omit<WebhookSettings, 'url' | 'delaysMs'>>;
  /** Messages per second for numbers that do not set `mps`; default 80. */
  defaultMps?: number;
  /** Extra share of the per-second limit tolerated in any 1 s window; default 0.1. */
  throughputTolerance?: number;
  /** Default { burst: 45, intervalMs: 6000 }. */
  pairRateLimit?: PairRateLimit;
  specialRecipients?: SpecialRecipientRule[];
  faults?: FaultRule[];
  /** Time from template creation to its review result; default 2000. */
  templateReviewDelayMs?: number;
  /** Requests and webhooks kept for read-back; default 10,000 each. */
  maxRecorded?: number;
  /** Graph versions accepted; default 21–25. */
  graphVersions?: { min: number; max: number };
}
