// A small fetch client for Dak's admin API (`/admin/v1`), one method per endpoint. Used by the
// `dak` CLI, the local start's seed and the tests. Shapes follow the OpenAPI document at
// GET /openapi.json; amounts are decimal strings.

export type TemplateCategory = 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

export interface Wallet {
  currency: string;
  available: string;
  held: string;
  captured: string;
  refunded: string;
  topped_up: string;
  debt: string;
}

export interface Account {
  id: string;
  name: string;
  waba_id: string;
  currency: string;
  price: string;
  category_prices: Partial<Record<TemplateCategory, string>>;
  /** All the account's keys together; null = no account-wide limit. */
  requests_per_second: number | null;
  created_at: string;
  /** Only from getAccount. */
  wallet?: Wallet;
}

export interface PhoneNumber {
  id: string;
  account_id: string;
  phone_number_id: string;
  display_phone_number: string;
  mps: number;
  created_at: string;
}

export interface ApiKey {
  id: string;
  account_id: string;
  name: string;
  prefix: string;
  phone_number_ids: string[] | null;
  requests_per_second: number;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

export interface LedgerEntry {
  id: number;
  kind: 'topup' | 'hold' | 'capture' | 'release' | 'refund' | 'refund_reversal';
  amount: string;
  message_id: string | null;
  reference: string | null;
  created_at: string;
}

export interface Template {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  parameter_format: 'POSITIONAL' | 'NAMED';
  components: Record<string, unknown>[];
}

/** A stored webhook event from Meta, without its payload. */
export interface WebhookEvent {
  id: number;
  kind: 'status' | 'message' | 'template' | 'other';
  status: string | null;
  message_id: string | null;
  wamid: string | null;
  waba_id: string | null;
  meta_phone_number_id: string | null;
  account_id: string | null;
  phone_number_id: string | null;
  /** null when applied (or still waiting); else why it was refused. */
  rejected_reason: string | null;
  occurred_at: string | null;
  received_at: string;
  closed_at: string | null;
}

export interface CreateAccountInput {
  name: string;
  waba_id: string;
  currency?: string;
  price?: string;
  category_prices?: Partial<Record<TemplateCategory, string>>;
}

export interface UpdateAccountInput {
  name?: string;
  price?: string;
  /** Replaces the whole map; `{}` removes every category price. */
  category_prices?: Partial<Record<TemplateCategory, string>>;
  /** null removes the account-wide limit. */
  requests_per_second?: number | null;
}

export interface AddPhoneNumberInput {
  phone_number_id: string;
  display_phone_number: string;
  access_token: string;
  mps?: number;
}

export interface UpdatePhoneNumberInput {
  display_phone_number?: string;
  access_token?: string;
  mps?: number;
}

export interface CreateApiKeyInput {
  name: string;
  expires_at?: string;
  phone_number_ids?: string[];
  requests_per_second?: number;
}

export interface UpdateApiKeyInput {
  name?: string;
  requests_per_second?: number;
}

/** A non-2xx answer. `message` is Dak's own `error.message` when the body has one. */
export class AdminApiError extends Error {
  readonly code: string | undefined;

  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly request: string,
  ) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    super(typeof error?.message === 'string' ? error.message : `${request}: HTTP ${status} ${JSON.stringify(body)}`);
    this.name = 'AdminApiError';
    this.code = typeof error?.code === 'string' ? error.code : undefined;
  }
}

/** The API did not answer at all (not running, wrong URL, network down). */
export class AdminApiUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
    super(`Cannot reach Dak's admin API at ${url} (${reason?.code ?? reason?.message ?? (cause as Error)?.message ?? cause}).`, { cause });
    this.name = 'AdminApiUnreachableError';
  }
}

export function adminClient(baseUrl: string, adminToken: string) {
  const base = baseUrl.replace(/\/+$/, '');
  const id = encodeURIComponent;

  async function call<T = unknown>(method: string, path: string, body?: unknown, okStatuses = [200, 201]): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new AdminApiUnreachableError(base, error);
    }
    const payload = (await response.json().catch(() => null)) as T;
    if (!okStatuses.includes(response.status)) throw new AdminApiError(response.status, payload, `${method} ${path}`);
    return payload;
  }

  return {
    call,
    listAccounts: () => call<{ accounts: Account[] }>('GET', '/accounts'),
    createAccount: (body: CreateAccountInput) => call<Account>('POST', '/accounts', body),
    /** With its wallet. */
    getAccount: (accountId: string) => call<Account & { wallet: Wallet }>('GET', `/accounts/${id(accountId)}`),
    updateAccount: (accountId: string, body: UpdateAccountInput) => call<Account>('PATCH', `/accounts/${id(accountId)}`, body),

    listPhoneNumbers: (accountId: string) => call<{ phone_numbers: PhoneNumber[] }>('GET', `/accounts/${id(accountId)}/phone-numbers`),
    addPhoneNumber: (accountId: string, body: AddPhoneNumberInput) => call<PhoneNumber>('POST', `/accounts/${id(accountId)}/phone-numbers`, body),
    /** By Dak's id (`pn_…`) or Meta's phone_number_id. */
    updatePhoneNumber: (phoneNumber: string, body: UpdatePhoneNumberInput) => call<PhoneNumber>('PATCH', `/phone-numbers/${id(phoneNumber)}`, body),

    listApiKeys: (accountId: string) => call<{ api_keys: ApiKey[] }>('GET', `/accounts/${id(accountId)}/api-keys`),
    /** The answer's `key` is shown this once. */
    createApiKey: (accountId: string, body: CreateApiKeyInput) => call<ApiKey & { key: string }>('POST', `/accounts/${id(accountId)}/api-keys`, body),
    updateApiKey: (keyId: string, body: UpdateApiKeyInput) => call<ApiKey>('PATCH', `/api-keys/${id(keyId)}`, body),
    revokeApiKey: (keyId: string) => call<ApiKey>('DELETE', `/api-keys/${id(keyId)}`),

    wallet: (accountId: string) => call<Wallet>('GET', `/accounts/${id(accountId)}/wallet`),
    /** The reference makes it idempotent: `replayed` is true when it was already applied. */
    topUp: (accountId: string, body: { amount: string; reference: string }) =>
      call<{ replayed: boolean; wallet: Wallet }>('POST', `/accounts/${id(accountId)}/wallet/topups`, body),
    /** Newest first; pass `next_before` as `before` for the next page. */
    ledger: (accountId: string, page: { limit?: number; before?: number } = {}) => {
      const query = new URLSearchParams();
      if (page.limit !== undefined) query.set('limit', String(page.limit));
      if (page.before !== undefined) query.set('before', String(page.before));
      const search = query.toString();
      return call<{ entries: LedgerEntry[]; next_before: number | null }>('GET', `/accounts/${id(accountId)}/wallet/ledger${search ? `?${search}` : ''}`);
    },

    /** Newest first; `rejected: true` only the refused ones; pass `next_before` as `before` for the next page. */
    webhookEvents: (page: { rejected?: boolean; limit?: number; before?: number } = {}) => {
      const query = new URLSearchParams();
      if (page.rejected !== undefined) query.set('rejected', String(page.rejected));
      if (page.limit !== undefined) query.set('limit', String(page.limit));
      if (page.before !== undefined) query.set('before', String(page.before));
      const search = query.toString();
      return call<{ events: WebhookEvent[]; next_before: number | null }>('GET', `/webhook-events${search ? `?${search}` : ''}`);
    },

    syncTemplates: (accountId: string) => call<{ synced: number; deleted: number }>('POST', `/accounts/${id(accountId)}/templates/sync`),
    listTemplates: (accountId: string) => call<{ templates: Template[] }>('GET', `/accounts/${id(accountId)}/templates`),
  };
}

export type AdminClient = ReturnType<typeof adminClient>;
