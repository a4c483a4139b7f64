import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { ChargeState, MessageError, MessageKind, Priority, ReportedPricing, SessionPayload } from '@dak/core';

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
/** int8 columns; the pool parses them as numbers (amounts stay far below 2^53 paise). */
type Int8 = number;

export type MessagingTierSource = 'default' | 'admin' | 'meta';

export interface AccountsTable {
  id: string;
  name: string;
  waba_id: string;
  currency: string;
  price_minor: number;
  category_prices: Json<Record<string, number>>;
  /** Requests per second over all the account's keys; null = no account-wide limit. */
  requests_per_second: number | null;
  /** Whether Dak charges a message Meta reports free (`free_customer_service`, `free_entry_point`); false by default. */
  charge_free_messages: Generated<boolean>;
  /** Meta's messaging limit: unique users per rolling 24 h (250, 2000, 10000, 100000); null = unlimited. */
  messaging_tier: ColumnType<number | null, number | null | undefined, number | null>;
  /** Who set messaging_tier last: never set (`default`, unlimited), an operator (`admin`) or Meta's report (`meta`). */
  messaging_tier_source: ColumnType<MessagingTierSource, MessagingTierSource | undefined, MessagingTierSource>;
  /** When Dak last read the tier from Meta; null = never. */
  messaging_tier_synced_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** What a session message (a free-form reply in the 24-hour window) costs, in minor units; 0 by default. */
  session_price_minor: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
}

export interface PhoneNumbersTable {
  id: string;
  account_id: string;
  /** Meta's id for the number (digits); Dak's own is `id` (`pn_…`). */
  meta_phone_number_id: string;
  display_phone_number: string;
  access_token_encrypted: string;
  mps: number;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  /** Meta's ids of the numbers the key may send from; null = all the account's numbers. */
  meta_phone_number_ids: string[] | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
  /** The key's own request rate limit (a burst of one second's worth). */
  requests_per_second: Generated<number>;
  created_at: CreatedAt;
}

export interface TemplatesTable {
  id: string;
  account_id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  parameter_format: string;
  components: Json<unknown[]>;
  status_reason: string | null;
  synced_at: Timestamp;
  updated_at: UpdatedAt;
}

/** `sending` is internal: a worker has claimed the row and may be talking to Meta. */
export type StoredMessageStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'delivered' | 'read';

export interface MessagesTable {
  id: string;
  account_id: string;
  /** The number it is sent from: `phone_numbers.id` (`pn_…`). */
  sender_id: string;
  template_id: string;
  template_name: string;
  template_language: string;
  template_category: string;
  /** 'session' for a free-form reply in the customer's window (its template columns are empty strings). */
  kind: ColumnType<MessageKind, MessageKind | undefined, MessageKind>;
  /** A session message's Meta payload; null for templates. */
  session: ColumnType<SessionPayload | null, string | null | undefined, string | null>;
  recipient: string;
  variables: Json<unknown[]>;
  components: Json<unknown[]>;
  status: StoredMessageStatus;
  wamid: string | null;
  client_reference: string | null;
  error: ColumnType<MessageError | null, string | null, string | null>;
  price_minor: Int8;
  currency: string;
  charge_state: ChargeState;
  /** The latest pricing Meta reported on the message's statuses; null until one did. */
  meta_pricing: ColumnType<ReportedPricing | null, string | null | undefined, string | null>;
  batch_id: string | null;
  /** The lane it was accepted in; null on rows from before lanes were recorded. */
  priority: Priority | null;
  expires_at: Timestamp | null;
  /** Tries that spent one of SEND_RETRY's attempts (transient refusals). */
  attempts: Generated<number>;
  claimed_at: Timestamp | null;
  /** Not admitted for sending before this time (a retry's backoff, a pair-rate wait); null means now. */
  not_before: Timestamp | null;
  /** When the dispatcher last put it into a dispatch job (apps/worker/src/dispatch). */
  admitted_at: Timestamp | null;
  /** How many times Meta refused it for its recipient (131056); the next wait is 4^n s. */
  pair_retries: Generated<number>;
  queued_at: CreatedAt;
  sent_at: Timestamp | null;
  delivered_at: Timestamp | null;
  read_at: Timestamp | null;
  failed_at: Timestamp | null;
  updated_at: UpdatedAt;
}

export type WebhookEventKind = 'status' | 'message' | 'template' | 'other';

export interface MessageEventsTable {
  id: Generated<Int8>;
  dedupe_key: string;
  kind: WebhookEventKind;
  message_id: string | null;
  wamid: string | null;
  status: string | null;
  occurred_at: Timestamp | null;
  payload: Json<Record<string, unknown>>;
  /** The envelope's claim: the entry's WABA id and `metadata.phone_number_id` (Meta's ids). */
  waba_id: string | null;
  meta_phone_number_id: string | null;
  /** Where Dak filed it: the account and number (`pn_…`) the envelope names, when registered. */
  account_id: string | null;
  sender_id: string | null;
  received_at: CreatedAt;
  /** When the event was closed: applied, or rejected (then `rejected_reason` says why). */
  applied_at: Timestamp | null;
  rejected_reason: string | null;
}

export interface WalletsTable {
  account_id: string;
  currency: string;
  available: Generated<Int8>;
  held: Generated<Int8>;
  captured: Generated<Int8>;
  refunded: Generated<Int8>;
  topped_up: Generated<Int8>;
  /** What late deliveries took beyond the balance; only non-zero while available is 0. */
  debt: Generated<Int8>;
  /** Below this (available − debt) a wallet.low_balance event is sent. */
  low_balance_threshold_minor: Generated<Int8>;
  /** When the current dip below the threshold was announced; null until it dips again. */
  low_balance_alerted_at: Timestamp | null;
  updated_at: UpdatedAt;
}

/** Captures from holds, spread over 16 rows per account so they never wait for a hold (see the migration). */
export interface WalletCapturesTable {
  account_id: string;
  shard: number;
  captured: Int8;
}

export type LedgerKind = 'topup' | 'hold' | 'capture' | 'release' | 'refund' | 'refund_reversal' | 'waive';

export interface LedgerEntriesTable {
  id: Generated<Int8>;
  account_id: string;
  message_id: string | null;
  kind: LedgerKind;
  amount_minor: Int8;
  reference: string | null;
  /** Why a `waive` was made: `meta_free_customer_service` or `meta_free_entry_point`; null otherwise. */
  reason: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: CreatedAt;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  request_hash: string;
  status_code: number;
  response: Json<unknown>;
  created_at: UpdatedAt;
}

export interface BatchesTable {
  id: string;
  account_id: string;
  /** The number it is sent from: `phone_numbers.id` (`pn_…`). */
  sender_id: string;
  template_id: string;
  template_name: string;
  template_language: string;
  priority: Priority;
  currency: string;
  accepted: number;
  rejected: number;
  idempotency_key: string | null;
  created_at: CreatedAt;
}

/** A recipient an account must not send marketing to before `until` (Meta's 131049). */
export interface MarketingHoldsTable {
  account_id: string;
  recipient: string;
  until: Timestamp;
  reason: string;
  created_at: CreatedAt;
}

/** Whom an account reached and when last (the accept statement keeps it; see the messaging-tiers migration). */
export interface RecipientReachTable {
  account_id: string;
  recipient: string;
  last_sent_at: Timestamp;
}

export type OptOutReason = 'stop_keyword' | 'meta_131050' | 'manual';

/** A customer of an account, by number; see the contacts migration. */
export interface ContactsTable {
  id: string;
  account_id: string;
  number: string;
  profile_name: string | null;
  user_id: string | null;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  attributes: ColumnType<Record<string, unknown>, string | undefined, string>;
  opted_out: ColumnType<boolean, boolean | undefined, boolean>;
  opted_out_at: Date | null;
  opt_out_reason: OptOutReason | null;
  opt_out_keyword: string | null;
  opt_changed_at: Date | null;
  first_seen_at: Timestamp;
  last_inbound_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** One per (business number, contact); see the conversations migration. */
export interface ConversationsTable {
  id: string;
  account_id: string;
  /** The business number (`pn_…`). */
  sender_id: string;
  contact_number: string;
  /** The customer's latest message; the 24-hour service window runs from it. */
  last_inbound_at: Date | null;
  last_activity_at: Timestamp;
  created_at: CreatedAt;
}

/** A customer's message to one of the account's numbers, as the webhook applier applied it. */
export interface InboundMessagesTable {
  id: string;
  account_id: string;
  sender_id: string;
  conversation_id: string;
  contact_number: string;
  wamid: string;
  type: string;
  /** The text, caption, reply title, reaction emoji or location name; null when the kind has none. */
  text: string | null;
  media_id: string | null;
  media_mime_type: string | null;
  media_sha256: string | null;
  /** The wamid it answers (`context.id`, or the message a reaction is on). */
  context_wamid: string | null;
  /** Dak's message with that wamid, when it is one of ours. */
  context_message_id: string | null;
  /** Meta's message object as it came. */
  content: Json<Record<string, unknown>>;
  /** Meta's time of it (whole seconds), refined to the millisecond by when Dak received it (inboundTime in @dak/core). */
  received_at: Timestamp;
  read_at: Date | null;
  created_at: CreatedAt;
}

/** Media uploaded by an account or sent to its numbers, by Meta's id; see the media migration. */
export interface MediaTable {
  account_id: string;
  meta_media_id: string;
  sender_id: string | null;
  source: 'upload' | 'inbound';
  mime_type: string;
  file_size: Int8;
  sha256: string;
  filename: string | null;
  stored_path: string | null;
  stored_bytes: ColumnType<Int8, Int8 | undefined, Int8>;
  created_at: CreatedAt;
}

export type CallbackDeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed';

/** An account's callback URL (Dak → the business); see the callbacks migration. */
export interface CallbackEndpointsTable {
  id: string;
  account_id: string;
  url: string;
  /** The event types it receives (CallbackEventType). */
  events: string[];
  description: string | null;
  secret_encrypted: string;
  /** The secret before the last rotation; it signs beside the new one until `previous_secret_until`. */
  previous_secret_encrypted: string | null;
  previous_secret_until: Timestamp | null;
  enabled: Generated<boolean>;
  /** Why Dak disabled it (null when enabled, or disabled by the account). */
  disabled_reason: string | null;
  /** Since when every attempt has failed; null after a success. */
  failing_since: Timestamp | null;
  /** While failing: when the next probe may go (one delivery at a time); null: at once. */
  retry_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface CallbackEventsTable {
  id: string;
  account_id: string;
  type: string;
  message_id: string | null;
  sequence: number | null;
  data: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

export interface CallbackDeliveriesTable {
  id: Generated<Int8>;
  endpoint_id: string;
  event_id: string;
  message_id: string | null;
  sequence: number | null;
  status: CallbackDeliveryStatus;
  attempts: Generated<number>;
  /** When a pending delivery is due; for a `delivering` one, when its claim lapses. */
  next_attempt_at: Timestamp;
  first_attempt_at: Timestamp | null;
  last_http_status: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface CallbackAttemptsTable {
  id: Generated<Int8>;
  delivery_id: Int8;
  endpoint_id: string;
  event_id: string;
  attempt: number;
  http_status: number | null;
  latency_ms: number;
  error: string | null;
  at: CreatedAt;
}

export type VerifyKind = 'hmac_sha256_base64' | 'hmac_sha256_hex' | 'token';

/** An external system's events mapped to a template send (the 2026-12-01T0810 migration). */
export interface AutomationsTable {
  id: string;
  account_id: string;
  name: string;
  /** The number it sends from: `phone_numbers.id` (`pn_…`). */
  sender_id: string;
  /** The template as the caller named it: by Meta id, or by name and language. */
  template_id: string | null;
  template_name: string | null;
  template_language: string | null;
  /** A JSONPath, or a list of them tried in order. */
  recipient: Json<string | string[]>;
  variables: Json<unknown[]>;
  condition: Json<unknown> | null;
  dedupe_path: string;
  verify_kind: VerifyKind | null;
  verify_header: string | null;
  /** encryptSecret(secret): verifying needs the secret back. */
  verify_secret_encrypted: string | null;
  /** SHA-256 of the hook URL's token; the token itself is shown once. */
  token_hash: string;
  enabled: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type AutomationOutcome = 'pending' | 'sent' | 'skipped' | 'failed' | 'invalid';

export interface AutomationEventsTable {
  id: string;
  automation_id: string;
  account_id: string;
  received_at: CreatedAt;
  content_type: string | null;
  /** The body as text, capped: kept only when it is not JSON (the payload is the record otherwise). */
  body_text: string | null;
  payload: Json<unknown> | null;
  /** A few safe headers (what the event is, where from); never signatures. Defaults to {}. */
  headers: ColumnType<Record<string, string>, string | undefined, string>;
  dedupe_value: string | null;
  outcome: AutomationOutcome;
  /** A stable code (condition_false, field_missing, duplicate, insufficient_funds, …) and a sentence. */
  reason: string | null;
  reason_message: string | null;
  message_id: string | null;
  evaluated_at: Timestamp | null;
  /** Evaluations started (recovery gives up after a few). */
  attempts: Generated<number>;
  claimed_at: Timestamp | null;
}

export interface DB {
  accounts: AccountsTable;
  phone_numbers: PhoneNumbersTable;
  api_keys: ApiKeysTable;
  templates: TemplatesTable;
  messages: MessagesTable;
  message_events: MessageEventsTable;
  wallets: WalletsTable;
  wallet_captures: WalletCapturesTable;
  ledger_entries: LedgerEntriesTable;
  idempotency_keys: IdempotencyKeysTable;
  batches: BatchesTable;
  marketing_holds: MarketingHoldsTable;
  recipient_reach: RecipientReachTable;
  contacts: ContactsTable;
  conversations: ConversationsTable;
  inbound_messages: InboundMessagesTable;
  media: MediaTable;
  callback_endpoints: CallbackEndpointsTable;
  callback_events: CallbackEventsTable;
  callback_deliveries: CallbackDeliveriesTable;
  callback_attempts: CallbackAttemptsTable;
  automations: AutomationsTable;
  automation_events: AutomationEventsTable;
}

export type Account = Selectable<AccountsTable>;
export type Contact = Selectable<ContactsTable>;
export type Conversation = Selectable<ConversationsTable>;
export type InboundMessage = Selectable<InboundMessagesTable>;
export type Media = Selectable<MediaTable>;
export type PhoneNumber = Selectable<PhoneNumbersTable>;
export type ApiKey = Selectable<ApiKeysTable>;
export type Template = Selectable<TemplatesTable>;
export type Message = Selectable<MessagesTable>;
/** A message as the API accepts it: the columns it sets (the rest take their defaults). */
export type MessageToAccept = Pick<
  Message,
  | 'id'
  | 'account_id'
  | 'sender_id'
  | 'template_id'
  | 'template_name'
  | 'template_language'
  | 'template_category'
  | 'recipient'
  | 'variables'
  | 'components'
  | 'client_reference'
  | 'price_minor'
  | 'currency'
  | 'expires_at'
  | 'queued_at'
> &
  Partial<Pick<Message, 'batch_id' | 'priority' | 'kind' | 'session'>>;
export type MessageEvent = Selectable<MessageEventsTable>;
export type NewMessageEvent = Insertable<MessageEventsTable>;
export type Wallet = Selectable<WalletsTable>;
export type Batch = Selectable<BatchesTable>;
export type NewBatch = Insertable<BatchesTable>;
export type CallbackEndpoint = Selectable<CallbackEndpointsTable>;
export type CallbackEvent = Selectable<CallbackEventsTable>;
export type CallbackDelivery = Selectable<CallbackDeliveriesTable>;
export type CallbackAttempt = Selectable<CallbackAttemptsTable>;
export type Automation = Selectable<AutomationsTable>;
export type NewAutomation = Insertable<AutomationsTable>;
export type AutomationEvent = Selectable<AutomationEventsTable>;
export type NewAutomationEvent = Insertable<AutomationEventsTable>;
