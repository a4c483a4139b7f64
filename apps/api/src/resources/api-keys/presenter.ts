import type { z } from 'zod';
import type { ApiKey } from '@dak/db';
import type { apiKeySchema } from './schema';

export function presentApiKey(row: ApiKey): z.infer<typeof apiKeySchema> {
  return {
    id: row.id,
    account_id: row.account_id,
    name: row.name,
    prefix: row.prefix,
    phone_number_ids: row.meta_phone_number_ids,
    requests_per_second: row.requests_per_second,
    expires_at: row.expires_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    last_used_at: row.last_used_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}
