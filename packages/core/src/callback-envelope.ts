import { signCallback } from './callback-signature';

/** What an endpoint receives for one event: the JSON body and Dak's headers. */
export interface CallbackRequest {
  body: string;
  headers: Record<string, string>;
}

export interface CallbackEnvelope {
  id: string;
  type: string;
  created_at: Date;
  data: Record<string, unknown>;
}

/**
 * The POST of one event: `{"id": "evt_…", "type", "created_at", "data"}`, signed with each
 * secret (see signCallback) at `now`. Built from the stored event alone, so a retry or a replay
 * sends the same body (only the signature's time changes).
 */
export function callbackRequest(event: CallbackEnvelope, secrets: readonly string[], now: Date): CallbackRequest {
  const body = JSON.stringify({
    id: event.id,
    type: event.type,
    created_at: event.created_at.toISOString(),
    data: event.data,
  });
  return {
    body,
    headers: {
      'X-Dak-Event-Id': event.id,
      'X-Dak-Signature': signCallback(body, secrets, Math.floor(now.getTime() / 1000)),
    },
  };
}
