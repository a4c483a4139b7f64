import type { BusinessSeed } from '@dak/meta-sim';
import { templateFixtures } from '@dak/core/template-fixtures';

/** The demo business: the same ids in the local start, the seed file and the tests. */
export const DEMO = {
  wabaId: '102290129340398',
  phoneNumberId: '106540352242922',
  displayPhoneNumber: '15550783881',
  recipient: '919820388810',
  accountName: 'Demo Store',
  credit: '500.00',
} as const;

export function demoBusiness(accessToken: string, overrides: Partial<BusinessSeed> = {}): BusinessSeed {
  return {
    waba_id: DEMO.wabaId,
    name: DEMO.accountName,
    access_token: accessToken,
    phone_numbers: [{ phone_number_id: DEMO.phoneNumberId, display_phone_number: DEMO.displayPhoneNumber, mps: 80 }],
    // meta-sim keeps its own template type (it shares no code with Dak's template logic).
    templates: Object.values(templateFixtures) as unknown as BusinessSeed['templates'],
    ...overrides,
  };
}

export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  }
}

/** A small client for Dak's admin API (used by the local start and by tests). */
export function adminClient(baseUrl: string, adminToken: string) {
  async function call<T>(method: string, path: string, body?: unknown, okStatuses = [200, 201]): Promise<T> {
    const response = await fetch(`${baseUrl}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const payload = (await response.json().catch(() => null)) as T;
    if (!okStatuses.includes(response.status)) throw new AdminApiError(response.status, payload, `${method} ${path}`);
    return payload;
  }
  return {
    call,
    listAccounts: () => call<{ accounts: { id: string; waba_id: string }[] }>('GET', '/accounts'),
    createAccount: (body: { name: string; waba_id: string; price?: string }) => call<{ id: string }>('POST', '/accounts', body),
    listPhoneNumbers: (accountId: string) =>
      call<{ phone_numbers: { id: string; phone_number_id: string }[] }>('GET', `/accounts/${accountId}/phone-numbers`),
    addPhoneNumber: (accountId: string, body: { phone_number_id: string; display_phone_number: string; access_token: string; mps?: number }) =>
      call<{ id: string }>('POST', `/accounts/${accountId}/phone-numbers`, body),
    createApiKey: (accountId: string, body: { name: string; phone_number_ids?: string[]; expires_at?: string }) =>
      call<{ id: string; key: string }>('POST', `/accounts/${accountId}/api-keys`, body),
    topUp: (accountId: string, body: { amount: string; reference: string }) =>
      call<{ wallet: Record<string, string> }>('POST', `/accounts/${accountId}/wallet/topups`, body),
    wallet: (accountId: string) => call<Record<string, string>>('GET', `/accounts/${accountId}/wallet`),
    syncTemplates: (accountId: string) => call<{ synced: number }>('POST', `/accounts/${accountId}/templates/sync`),
  };
}
export type AdminClient = ReturnType<typeof adminClient>;

export interface SeededAccount {
  accountId: string;
  phoneNumberId: string;
  apiKey?: string;
  synced: number;
}

/**
 * Creates (or finds) the account for a business registered in meta-sim, adds its phone
 * numbers, tops up its wallet once, syncs its templates and, when asked, issues an API key.
 * Safe to run again: existing rows are reused and the top-up reference makes it credit once.
 */
export async function seedAccount(
  admin: AdminClient,
  business: BusinessSeed,
  options: { credit?: string; createKey?: boolean; price?: string } = {},
): Promise<SeededAccount> {
  const existing = (await admin.listAccounts()).accounts.find((a) => a.waba_id === business.waba_id);
  const accountId =
    existing?.id ??
    (await admin.createAccount({ name: business.name ?? business.waba_id, waba_id: business.waba_id, ...(options.price ? { price: options.price } : {}) })).id;
  const registered = new Set((await admin.listPhoneNumbers(accountId)).phone_numbers.map((p) => p.phone_number_id));
  for (const phone of business.phone_numbers) {
    if (registered.has(phone.phone_number_id)) continue;
    await admin.addPhoneNumber(accountId, {
      phone_number_id: phone.phone_number_id,
      display_phone_number: phone.display_phone_number,
      access_token: business.access_token,
      ...(phone.mps ? { mps: phone.mps } : {}),
    });
  }
  if (options.credit) await admin.topUp(accountId, { amount: options.credit, reference: `seed-${business.waba_id}` });
  const { synced } = await admin.syncTemplates(accountId);
  const apiKey = options.createKey === false ? undefined : (await admin.createApiKey(accountId, { name: 'demo' })).key;
  return { accountId, phoneNumberId: business.phone_numbers[0]!.phone_number_id, synced, ...(apiKey ? { apiKey } : {}) };
}
