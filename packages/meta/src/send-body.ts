import { isUserId, type MessageKind, type SessionPayload } from '@dak/core';

/**
 * Whom Meta sends to: `to` with a phone number, or `recipient` with a business-scoped user id
 * (a user known only by it, 2026).
 */
function addressee(recipient: string): { to: string } | { recipient: string } {
  return isUserId(recipient) ? { recipient } : { to: recipient };
}

/** Meta's exact template send body; `biz_opaque_callback_data` carries Dak's message id back on every status. */
export function buildTemplateSendBody(message: {
  id: string;
  recipient: string;
  template_name: string;
  template_language: string;
  components: unknown[];
}) {
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...addressee(message.recipient),
    type: 'template',
    biz_opaque_callback_data: message.id,
    template: {
      name: message.template_name,
      language: { code: message.template_language },
      ...(message.components.length > 0 ? { components: message.components } : {}),
    },
  };
}

/**
 * Meta's body for a session message; `biz_opaque_callback_data` carries Dak's message id back on
 * every status, as for templates.
 */
export function buildSessionSendBody(message: { id: string; recipient: string; session: SessionPayload }) {
  const { type, content, context_wamid } = message.session;
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...addressee(message.recipient),
    type,
    [type]: content,
    ...(context_wamid ? { context: { message_id: context_wamid } } : {}),
    biz_opaque_callback_data: message.id,
  };
}

/** Meta's body for a stored message of either kind. */
export function buildSendBody(message: {
  id: string;
  kind: MessageKind;
  session: SessionPayload | null;
  recipient: string;
  template_name: string;
  template_language: string;
  components: unknown[];
}) {
  return message.kind === 'session' && message.session
    ? buildSessionSendBody({ ...message, session: message.session })
    : buildTemplateSendBody(message);
}
