import type { z } from 'zod';
import type { CallbackAttemptRow, CallbackEndpoint } from '@dak/db';
import type { callbackAttemptSchema, callbackSchema } from './schema';

/** Never the secret: it is shown once, by the answer that made it. */
export function presentCallback(row: CallbackEndpoint, now = new Date()): z.infer<typeof callbackSchema> {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    description: row.description,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    failing_since: row.failing_since?.toISOString() ?? null,
    previous_secret_expires_at:
      row.previous_secret_until && row.previous_secret_until > now ? row.previous_secret_until.toISOString() : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function presentCallbackAttempt(row: CallbackAttemptRow): z.infer<typeof callbackAttemptSchema> {
  return {
    id: row.id,
    event_id: row.event_id,
    event_type: row.event_type,
    attempt: row.attempt,
    http_status: row.http_status,
    latency_ms: row.latency_ms,
    error: row.error,
    delivery_status: row.delivery_status,
    at: row.at.toISOString(),
  };
}
