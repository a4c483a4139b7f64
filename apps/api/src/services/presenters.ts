import { formatMinor, type MessageStatus } from '@dak/core';
import type { ListedMessage, Message, Template } from '@dak/db';

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** `sending` is internal (a worker holds the row); callers see `queued` until Meta takes it. */
export function publicStatus(message: Pick<Message, 'status'>): MessageStatus {
  return message.status === 'sending' ? 'queued' : message.status;
}

export function presentMessage(message: ListedMessage, metaPhoneNumberId?: string) {
  return {
    message_id: message.id,
    wamid: message.wamid,
    status: publicStatus(message),
    phone_number: message.recipient,
    ...(metaPhoneNumberId ? { phone_number_id: metaPhoneNumberId } : {}),
    template_id: message.template_id,
    template_name: message.template_name,
    client_reference: message.client_reference,
    batch_id: message.batch_id,
    timestamps: {
      queued_at: iso(message.queued_at),
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

export function presentTemplate(template: Template) {
  return {
    id: template.id,
    name: template.name,
    language: template.language,
    category: template.category,
    status: template.status,
    parameter_format: template.parameter_format,
    components: template.components,
  };
}
