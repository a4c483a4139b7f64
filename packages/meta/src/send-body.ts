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
    to: message.recipient,
    type: 'template',
    biz_opaque_callback_data: message.id,
    template: {
      name: message.template_name,
      language: { code: message.template_language },
      ...(message.components.length > 0 ? { components: message.components } : {}),
    },
  };
}
