// A small client for Dak's admin API (`/admin/v1`), one method per endpoint. Used by the `dak`
// CLI, the local start's seed and the tests. Typed from the OpenAPI document (generated/api.ts,
// written by `pnpm gen:api-types` from each route's one definition), so a changed answer or
// request shape fails the CLI's type check. Amounts are decimal strings.
import createClient from 'openapi-fetch';
import type { components, paths } from './generated/api';

type Schemas = components['schemas'];
type JsonBody<P extends keyof paths, M extends 'post' | 'patch'> = paths[P][M] extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : never;

export type Wallet = Schemas['AccountWallet'];
export type Account = Schemas['Account'];
export type PhoneNumber = Schemas['PhoneNumber'];
export type ApiKey = Schemas['ApiKey'];
export type LedgerEntry = Schemas['LedgerEntry'];
export type Template = Schemas['Template'];
/** A stored webhook event from Meta, without its payload. */
export type WebhookEvent = Schemas['WebhookEvent'];
export type TemplateCategory = keyof NonNullable<CreateAccountInput['category_prices']>;

export type CreateAccountInput = JsonBody<'/admin/v1/accounts', 'post'>;
export type UpdateAccountInput = JsonBody<'/admin/v1/accounts/{id}', 'patch'>;
export type AddPhoneNumberInput = JsonBody<'/admin/v1/accounts/{id}/phone-numbers', 'post'>;
export type UpdatePhoneNumberInput = JsonBody<'/admin/v1/phone-numbers/{id}', 'patch'>;
export type CreateApiKeyInput = JsonBody<'/admin/v1/accounts/{id}/api-keys', 'post'>;
export type UpdateApiKeyInput = JsonBody<'/admin/v1/api-keys/{id}', 'patch'>;
export type TopUpInput = JsonBody<'/admin/v1/accounts/{id}/wallet/topups', 'post'>;
export type Callback = Schemas['Callback'];
export type CreateCallbackInput = JsonBody<'/admin/v1/accounts/{id}/callbacks', 'post'>;
export type UpdateCallbackInput = JsonBody<'/admin/v1/accounts/{id}/callbacks/{callbackId}', 'patch'>;
export type ReplayCallbackInput = JsonBody<'/admin/v1/accounts/{id}/callbacks/{callbackId}/replay', 'post'>;
export type Contact = Schemas['Contact'];
export type ContactQuery = NonNullable<paths['/admin/v1/accounts/{id}/contacts']['get']['parameters']['query']>;
export type UpdateContactInput = JsonBody<'/admin/v1/accounts/{id}/contacts/{contactId}', 'patch'>;
export type Automation = Schemas['Automation'];
export type CreateAutomationInput = JsonBody<'/admin/v1/accounts/{id}/automations', 'post'>;
export type UpdateAutomationInput = JsonBody<'/admin/v1/accounts/{id}/automations/{automationId}', 'patch'>;

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
    super(
      `Cannot reach Dak's admin API at ${url} (${reason?.code ?? reason?.message ?? (cause as Error)?.message ?? cause}).`,
      { cause },
    );
    this.name = 'AdminApiUnreachableError';
  }
}

export function adminClient(baseUrl: string, adminToken: string) {
  const base = baseUrl.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${adminToken}` };
  const client = createClient<paths>({ baseUrl: base, headers });

  /** Any non-2xx answer becomes an AdminApiError; no answer at all, an AdminApiUnreachableError. */
  async function answer<D>(
    request: string,
    pending: Promise<{ data?: D; error?: unknown; response: Response }>,
  ): Promise<D> {
    let result: Awaited<typeof pending>;
    try {
      result = await pending;
    } catch (error) {
      throw new AdminApiUnreachableError(base, error);
    }
    if (!result.response.ok) throw new AdminApiError(result.response.status, result.error ?? null, request);
    return result.data as D;
  }

  /** An untyped request, for tests that send what no typed method would (unknown fields, wrong types). */
  async function call<T = unknown>(method: string, path: string, body?: unknown, okStatuses = [200, 201]): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${base}/admin/v1${path}`, {
        method,
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new AdminApiUnreachableError(base, error);
    }
    const payload = (await response.json().catch(() => null)) as T;
    if (!okStatuses.includes(response.status)) throw new AdminApiError(response.status, payload, `${method} ${path}`);
    return payload;
  }

  const account = (id: string) => ({ params: { path: { id } } });
  const callback = (id: string, callbackId: string) => ({ params: { path: { id, callbackId } } });
  const contact = (id: string, contactId: string) => ({ params: { path: { id, contactId } } });
  const automation = (id: string, automationId: string) => ({ params: { path: { id, automationId } } });

  return {
    call,
    listAccounts: () => answer('GET /accounts', client.GET('/admin/v1/accounts')),
    createAccount: (body: CreateAccountInput) => answer('POST /accounts', client.POST('/admin/v1/accounts', { body })),
    /** With its wallet. */
    getAccount: async (accountId: string) => {
      const found = await answer(
        `GET /accounts/${accountId}`,
        client.GET('/admin/v1/accounts/{id}', account(accountId)),
      );
      return found as Account & { wallet: Wallet };
    },
    updateAccount: (accountId: string, body: UpdateAccountInput) =>
      answer(`PATCH /accounts/${accountId}`, client.PATCH('/admin/v1/accounts/{id}', { ...account(accountId), body })),
    syncMessagingTier: (accountId: string) =>
      answer(
        `POST /accounts/${accountId}/messaging-tier/sync`,
        client.POST('/admin/v1/accounts/{id}/messaging-tier/sync', account(accountId)),
      ),

    listPhoneNumbers: (accountId: string) =>
      answer(
        `GET /accounts/${accountId}/phone-numbers`,
        client.GET('/admin/v1/accounts/{id}/phone-numbers', account(accountId)),
      ),
    addPhoneNumber: (accountId: string, body: AddPhoneNumberInput) =>
      answer(
        `POST /accounts/${accountId}/phone-numbers`,
        client.POST('/admin/v1/accounts/{id}/phone-numbers', { ...account(accountId), body }),
      ),
    /** By Dak's id (`pn_…`) or Meta's phone_number_id. */
    updatePhoneNumber: (phoneNumber: string, body: UpdatePhoneNumberInput) =>
      answer(
        `PATCH /phone-numbers/${phoneNumber}`,
        client.PATCH('/admin/v1/phone-numbers/{id}', { params: { path: { id: phoneNumber } }, body }),
      ),

    listApiKeys: (accountId: string) =>
      answer(`GET /accounts/${accountId}/api-keys`, client.GET('/admin/v1/accounts/{id}/api-keys', account(accountId))),
    /** The answer's `key` is shown this once. */
    createApiKey: (accountId: string, body: CreateApiKeyInput) =>
      answer(
        `POST /accounts/${accountId}/api-keys`,
        client.POST('/admin/v1/accounts/{id}/api-keys', { ...account(accountId), body }),
      ),
    updateApiKey: (keyId: string, body: UpdateApiKeyInput) =>
      answer(
        `PATCH /api-keys/${keyId}`,
        client.PATCH('/admin/v1/api-keys/{id}', { params: { path: { id: keyId } }, body }),
      ),
    revokeApiKey: (keyId: string) =>
      answer(
        `DELETE /api-keys/${keyId}`,
        client.DELETE('/admin/v1/api-keys/{id}', { params: { path: { id: keyId } } }),
      ),

    wallet: (accountId: string) =>
      answer(`GET /accounts/${accountId}/wallet`, client.GET('/admin/v1/accounts/{id}/wallet', account(accountId))),
    /** The reference makes it idempotent: `replayed` is true when it was already applied. */
    topUp: (accountId: string, body: TopUpInput) =>
      answer(
        `POST /accounts/${accountId}/wallet/topups`,
        client.POST('/admin/v1/accounts/{id}/wallet/topups', { ...account(accountId), body }),
      ),
    /** Newest first; pass `next_before` as `before` for the next page. */
    ledger: (accountId: string, page: { limit?: number; before?: number } = {}) =>
      answer(
        `GET /accounts/${accountId}/wallet/ledger`,
        client.GET('/admin/v1/accounts/{id}/wallet/ledger', { params: { path: { id: accountId }, query: page } }),
      ),

    /** Newest first; `rejected: true` only the refused ones; pass `next_before` as `before` for the next page. */
    webhookEvents: (page: { rejected?: boolean; limit?: number; before?: number } = {}) => {
      const { rejected, ...rest } = page;
      const query = {
        ...rest,
        ...(rejected !== undefined ? { rejected: rejected ? ('true' as const) : ('false' as const) } : {}),
      };
      return answer('GET /webhook-events', client.GET('/admin/v1/webhook-events', { params: { query } }));
    },

    listCallbacks: (accountId: string) =>
      answer(
        `GET /accounts/${accountId}/callbacks`,
        client.GET('/admin/v1/accounts/{id}/callbacks', account(accountId)),
      ),
    /** The answer's `secret` is shown this once. The URL must answer a signed test POST. */
    createCallback: (accountId: string, body: CreateCallbackInput) =>
      answer(
        `POST /accounts/${accountId}/callbacks`,
        client.POST('/admin/v1/accounts/{id}/callbacks', { ...account(accountId), body }),
      ),
    getCallback: (accountId: string, callbackId: string) =>
      answer(
        `GET /accounts/${accountId}/callbacks/${callbackId}`,
        client.GET('/admin/v1/accounts/{id}/callbacks/{callbackId}', callback(accountId, callbackId)),
      ),
    updateCallback: (accountId: string, callbackId: string, body: UpdateCallbackInput) =>
      answer(
        `PATCH /accounts/${accountId}/callbacks/${callbackId}`,
        client.PATCH('/admin/v1/accounts/{id}/callbacks/{callbackId}', { ...callback(accountId, callbackId), body }),
      ),
    deleteCallback: (accountId: string, callbackId: string) =>
      answer(
        `DELETE /accounts/${accountId}/callbacks/${callbackId}`,
        client.DELETE('/admin/v1/accounts/{id}/callbacks/{callbackId}', callback(accountId, callbackId)),
      ),
    /** The new `secret` is shown this once; the old one keeps signing for 24 h. */
    rotateCallbackSecret: (accountId: string, callbackId: string) =>
      answer(
        `POST /accounts/${accountId}/callbacks/${callbackId}/rotate-secret`,
        client.POST('/admin/v1/accounts/{id}/callbacks/{callbackId}/rotate-secret', callback(accountId, callbackId)),
      ),
    /** Attempts, newest first; pass `next_before` as `before` for the next page. */
    callbackDeliveries: (
      accountId: string,
      callbackId: string,
      page: {
        limit?: number;
        before?: number;
        event_id?: string;
        status?: 'pending' | 'delivering' | 'delivered' | 'failed';
      } = {},
    ) =>
      answer(
        `GET /accounts/${accountId}/callbacks/${callbackId}/deliveries`,
        client.GET('/admin/v1/accounts/{id}/callbacks/{callbackId}/deliveries', {
          params: { path: { id: accountId, callbackId }, query: page },
        }),
      ),
    replayCallback: (accountId: string, callbackId: string, body: ReplayCallbackInput) =>
      answer(
        `POST /accounts/${accountId}/callbacks/${callbackId}/replay`,
        client.POST('/admin/v1/accounts/{id}/callbacks/{callbackId}/replay', {
          ...callback(accountId, callbackId),
          body,
        }),
      ),

    /** Newest first; pass `next_cursor` as `cursor` for the next page. */
    listContacts: (accountId: string, query: ContactQuery = {}) =>
      answer(
        `GET /accounts/${accountId}/contacts`,
        client.GET('/admin/v1/accounts/{id}/contacts', { params: { path: { id: accountId }, query } }),
      ),
    getContact: (accountId: string, contactId: string) =>
      answer(
        `GET /accounts/${accountId}/contacts/${contactId}`,
        client.GET('/admin/v1/accounts/{id}/contacts/{contactId}', contact(accountId, contactId)),
      ),
    updateContact: (accountId: string, contactId: string, body: UpdateContactInput) =>
      answer(
        `PATCH /accounts/${accountId}/contacts/${contactId}`,
        client.PATCH('/admin/v1/accounts/{id}/contacts/{contactId}', { ...contact(accountId, contactId), body }),
      ),

    listAutomations: (accountId: string) =>
      answer(
        `GET /accounts/${accountId}/automations`,
        client.GET('/admin/v1/accounts/{id}/automations', account(accountId)),
      ),
    /** The answer's `url` (the hook URL with its token) is shown this once. */
    createAutomation: (accountId: string, body: CreateAutomationInput) =>
      answer(
        `POST /accounts/${accountId}/automations`,
        client.POST('/admin/v1/accounts/{id}/automations', { ...account(accountId), body }),
      ),
    getAutomation: (accountId: string, automationId: string) =>
      answer(
        `GET /accounts/${accountId}/automations/${automationId}`,
        client.GET('/admin/v1/accounts/{id}/automations/{automationId}', automation(accountId, automationId)),
      ),
    updateAutomation: (accountId: string, automationId: string, body: UpdateAutomationInput) =>
      answer(
        `PATCH /accounts/${accountId}/automations/${automationId}`,
        client.PATCH('/admin/v1/accounts/{id}/automations/{automationId}', {
          ...automation(accountId, automationId),
          body,
        }),
      ),
    deleteAutomation: (accountId: string, automationId: string) =>
      answer(
        `DELETE /accounts/${accountId}/automations/${automationId}`,
        client.DELETE('/admin/v1/accounts/{id}/automations/{automationId}', automation(accountId, automationId)),
      ),
    /** Newest first; pass `next_cursor` as `cursor` for the next page. */
    automationEvents: (accountId: string, automationId: string, page: { limit?: number; cursor?: string } = {}) =>
      answer(
        `GET /accounts/${accountId}/automations/${automationId}/events`,
        client.GET('/admin/v1/accounts/{id}/automations/{automationId}/events', {
          params: { path: { id: accountId, automationId }, query: page },
        }),
      ),
    /** What `event` (as the external system would send it) would become; nothing is sent. */
    dryRunAutomation: (accountId: string, automationId: string, event: unknown) =>
      answer(
        `POST /accounts/${accountId}/automations/${automationId}/dry-run`,
        client.POST('/admin/v1/accounts/{id}/automations/{automationId}/dry-run', {
          ...automation(accountId, automationId),
          body: event,
        }),
      ),

    syncTemplates: (accountId: string) =>
      answer(
        `POST /accounts/${accountId}/templates/sync`,
        client.POST('/admin/v1/accounts/{id}/templates/sync', account(accountId)),
      ),
    listTemplates: (accountId: string) =>
      answer(
        `GET /accounts/${accountId}/templates`,
        client.GET('/admin/v1/accounts/{id}/templates', account(accountId)),
      ),
  };
}

export type AdminClient = ReturnType<typeof adminClient>;
