import type { z } from 'zod';
import { presentAddress } from '@dak/core';
import type { Contact } from '@dak/db';
import type { contactSchema } from './schema';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function presentContact(row: Contact): z.infer<typeof contactSchema> {
  return {
    id: row.id,
    ...presentAddress(row.number),
    profile_name: row.profile_name,
    ...(row.user_id ? { user_id: row.user_id } : {}),
    tags: row.tags,
    attributes: row.attributes,
    opted_out: row.opted_out,
    opted_out_at: iso(row.opted_out_at),
    opt_out_reason: row.opt_out_reason,
    opt_out_keyword: row.opt_out_keyword,
    opt_changed_at: iso(row.opt_changed_at),
    first_seen_at: row.first_seen_at.toISOString(),
    last_inbound_at: iso(row.last_inbound_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
