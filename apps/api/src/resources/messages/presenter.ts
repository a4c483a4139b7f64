import { formatMinor, type MessageStatus } from '@dak/core';
import type { z } from 'zod';
import type { ListedMessage, Message } from '@dak/db';
import type { messageStatusSchema } from './schema';

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** `sending` is internal (a worker holds the row); callers see `queued` until Meta takes it. */
export function publicStatus(message: Pick<Message, 'status'>): MessageStatus {
  return message.status === 'sending' ? 'queued' : message.status;
}

/** A message as message-status and the messages list show it. */
export function presentMessage(message: ListedMessage): Omit<z.infer<typeof messageStatusSchema>, 'success'> {
  return {
    message_id: message.id,
    wamid: message.wamid,
    status: publicStatus(message),
    phone_number: message.recipient,
    template_id: message.template_id,
    template_name: message.template_name,
    client_reference: message.client_reference,
    batch_id: message.batch_id,
    timestamps: {
      queued_at: message.queued_at.toISOString(),
      sent_at: iso(message.sent_at),
      delivered_at: iso(message.delivered_at),
      read_at: iso(message.read_at),
      failed_at: iso(message.failed_at),
    },
    expires_at: iso(message.expires_at),
    error: message.error,
    charge: { amount: formatMinor(message.price_minor), currency: message.currency, state: message.charge_state },
  };
}
