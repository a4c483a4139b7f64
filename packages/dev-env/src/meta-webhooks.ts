import { createHash, createHmac } from 'node:crypto';
import { DEMO } from './demo';
import { waitFor } from './wait';
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

let customerMediaCount = 0;

/**
 * A customer of the demo number sends media: the file is put at meta-sim (where GET /media/:id
 * fetches it from), Meta's message carrying it is POSTed signed to the receiver, and this waits
 * until Dak filed the message. Answers Meta's media id and the message's wamid.
 */
export async function customerSendsMedia(
  stack: TestStack,
  bytes: Buffer,
  mimeType: string,
): Promise<{ id: string; wamid: string }> {
  const media = stack.sim.control.customerMedia({
    phone_number_id: DEMO.metaPhoneNumberId,
    mime_type: mimeType,
    data_base64: bytes.toString('base64'),
  });
  const wamid = `wamid.customer-media-${++customerMediaCount}`;
  const kind = mimeType.split('/')[0] === 'image' ? 'image' : 'audio';
  const posted = await postSignedWebhook(
    stack,
    messagesEnvelope({
      contacts: [{ profile: { name: 'Asha' }, wa_id: DEMO.recipient }],
      messages: [
        {
          from: DEMO.recipient,
          id: wamid,
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: kind,
          [kind]: { id: media.id, mime_type: mimeType, sha256: createHash('sha256').update(bytes).digest('hex') },
        },
      ],
    }),
  );
  if (posted.status !== 200) throw new Error(`the receiver answered ${posted.status} to the media message`);
  stack.webhooks.applier.kick();
  await waitFor(
    async () =>
      (await stack.api.ctx.db
        .selectFrom('inbound_messages')
        .select('id')
        .where('wamid', '=', wamid)
        .executeTakeFirst()) !== undefined,
    { what: 'the inbound media message filed' },
  );
  return { id: media.id, wamid };
}
