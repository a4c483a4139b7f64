import type { AdminClient } from '@dak/cli';
import type { BusinessSeed } from '@dak/meta-sim';
import { templateFixtures } from './fixtures/templates';

// The admin client lives with the CLI; tests and the local start keep importing it from here.
export { AdminApiError, adminClient, type AdminClient } from '@dak/cli';

/** The demo business: the same ids in the local start, the seed file and the tests. */
export const DEMO = {
  wabaId: '102290129340398',
  metaPhoneNumberId: '106540352242922',
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
    phone_numbers: [
      { phone_number_id: DEMO.metaPhoneNumberId, display_phone_number: DEMO.displayPhoneNumber, mps: 80 },
    ],
    // meta-sim keeps its own template type (it shares no code with Dak's template logic).
    templates: Object.values(templateFixtures) as unknown as BusinessSeed['templates'],
    ...overrides,
  };
}

export interface SeededAccount {
  accountId: string;
  metaPhoneNumberId: string;
  apiKey?: string;
  synced: number;
}

/**
 * Creates (or finds) the account for a business registered in meta-sim, adds its phone
 * numbers, tops up its wallet once, syncs its templates and, when asked, issues an API key.
 * Safe to run again: existing rows are reused (a number's access token is set again) and the
 * top-up reference makes it credit once.
 */
export async function seedAccount(
  admin: AdminClient,
  business: BusinessSeed,
  options: { credit?: string; createKey?: boolean; price?: string; requestsPerSecond?: number } = {},
): Promise<SeededAccount> {
  const existing = (await admin.listAccounts()).accounts.find((a) => a.waba_id === business.waba_id);
  const accountId =
    existing?.id ??
    (
      await admin.createAccount({
        name: business.name ?? business.waba_id,
        waba_id: business.waba_id,
        ...(options.price ? { price: options.price } : {}),
      })
    ).id;
  const registered = new Set((await admin.listPhoneNumbers(accountId)).phone_numbers.map((p) => p.phone_number_id));
  for (const phone of business.phone_numbers) {
    if (registered.has(phone.phone_number_id)) {
      // Stored encrypted: a database seeded under another DAK_ENCRYPTION_KEY (another clone's
      // generated one) could not read it; setting it again encrypts it under this one.
      await admin.updatePhoneNumber(phone.phone_number_id, { access_token: business.access_token });
      continue;
    }
    await admin.addPhoneNumber(accountId, {
      phone_number_id: phone.phone_number_id,
      display_phone_number: phone.display_phone_number,
      access_token: business.access_token,
      ...(phone.mps ? { mps: phone.mps } : {}),
    });
  }
  if (options.credit) await admin.topUp(accountId, { amount: options.credit, reference: `seed-${business.waba_id}` });
  const { synced } = await admin.syncTemplates(accountId);
  const apiKey =
    options.createKey === false
      ? undefined
      : (
          await admin.createApiKey(accountId, {
            name: 'demo',
            ...(options.requestsPerSecond ? { requests_per_second: options.requestsPerSecond } : {}),
          })
        ).key;
  return {
    accountId,
    metaPhoneNumberId: business.phone_numbers[0]!.phone_number_id,
    synced,
    ...(apiKey ? { apiKey } : {}),
  };
}
