import type { z } from 'zod';
import { DakError, generateApiKey, hashApiKey, newId } from '@dak/core';
import {
  insertApiKey,
  listPhoneNumbers,
  revokeApiKey as revokeApiKeyRow,
  updateApiKey as updateApiKeyRow,
} from '@dak/db';
import type { ApiContext } from '../../context';
import { requireAccount } from '../accounts/service';
import { presentApiKey } from './presenter';
import type { createApiKeySchema, createdApiKeySchema, updateApiKeySchema } from './schema';

/** The key is returned once, here; only its hash is stored. */
export async function createApiKey(
  ctx: ApiContext,
  accountId: string,
  input: z.infer<typeof createApiKeySchema>,
): Promise<z.infer<typeof createdApiKeySchema>> {
  await requireAccount(ctx, accountId);
  if (input.phone_number_ids) {
    const own = new Set((await listPhoneNumbers(ctx.db, accountId)).map((p) => p.meta_phone_number_id));
    const unknown = input.phone_number_ids.filter((id) => !own.has(id));
    if (unknown.length > 0)
      throw new DakError('invalid_request', `phone_number_ids not in this account: ${unknown.join(', ')}`, { unknown });
  }
  const { key, prefix } = generateApiKey();
  const row = await insertApiKey(ctx.db, {
    id: newId('key'),
    account_id: accountId,
    name: input.name,
    prefix,
    key_hash: hashApiKey(key),
    meta_phone_number_ids: input.phone_number_ids ?? null,
    expires_at: input.expires_at ? new Date(input.expires_at) : null,
    ...(input.requests_per_second !== undefined ? { requests_per_second: input.requests_per_second } : {}),
  });
  return { ...presentApiKey(row), key };
}

/** A new limit applies from the key's next request: each request reads the key again. */
export async function updateApiKey(ctx: ApiContext, id: string, input: z.infer<typeof updateApiKeySchema>) {
  const updated = await updateApiKeyRow(ctx.db, id, input);
  if (!updated) throw new DakError('api_key_not_found', `No API key "${id}".`);
  return presentApiKey(updated);
}

export async function revokeApiKey(ctx: ApiContext, id: string) {
  const key = await revokeApiKeyRow(ctx.db, id);
  if (!key) throw new DakError('api_key_not_found', `No API key "${id}".`);
  return presentApiKey(key);
}
