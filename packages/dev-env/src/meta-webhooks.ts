import { createHmac } from 'node:crypto';
import { DEMO } from './demo';
import type { TestStack } from './stack';

/** POSTs a payload to the stack's webhook receiver, signed as Meta signs (X-Hub-Signature-256). */
export function postSignedWebhook(
  stack: TestStack,
  payload: unknown,
  secret = stack.config.meta.appSecrets[0]!,
): Promise<Response> {
  const body = JSON.stringify(payload);
  return fetch(`${stack.webhooks.url}/webhooks/meta`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
    },
    body,
  });
}

type EnvelopeFrom = { wabaId?: string; metaPhoneNumberId?: string; displayPhoneNumber?: string };

/** Meta's `messages` envelope around a value (statuses, or inbound contacts and messages), from the demo business's number unless told otherwise. */
export function messagesEnvelope(value: Record<string, unknown>, from: EnvelopeFrom = {}) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: from.wabaId ?? DEMO.wabaId,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: from.displayPhoneNumber ?? DEMO.displayPhoneNumber,
                phone_number_id: from.metaPhoneNumberId ?? DEMO.metaPhoneNumberId,
              },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

/** Meta's envelope around status updates, from the demo business's number unless told otherwise. */
export function statusEnvelope(statuses: unknown[], from: EnvelopeFrom = {}) {
  return messagesEnvelope({ statuses }, from);
}
