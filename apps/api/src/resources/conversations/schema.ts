import { nullableTimestampSchema, timestampSchema } from '../../openapi/common';
import { z } from '../../openapi/zod';

// Requests.

export const conversationParams = z.object({
  id: z.string().openapi({
    param: { description: "The conversation's id (`cnv_…`)" },
    example: 'cnv_3f9a0c41d27be8a65f0c9d1e2b',
  }),
});

const pageQuery = (max: number, fallback: number) =>
  z.strictObject({
    limit: z.coerce.number().int('limit must be a whole number').min(1).max(max).default(fallback),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page'),
  });
export const conversationListQuerySchema = pageQuery(200, 50);
export const conversationMessagesQuerySchema = pageQuery(200, 50);

// Answers.

const windowSchema = z
  .object({
    open: z.boolean(),
    until: nullableTimestampSchema.openapi({
      description: 'When it closes (or closed); null when the customer never wrote',
    }),
  })
  .openapi('ServiceWindow', {
    description:
      "Meta's 24-hour customer-service window: free-form (session) messages are allowed until 24 h after the customer's last message.",
  });

const freeEntryWindowSchema = z
  .object({
    open: z.boolean(),
    until: nullableTimestampSchema,
    meta_conversation_id: z.string().nullable().openapi({ description: "Meta's id of the free-entry conversation" }),
  })
  .openapi('FreeEntryWindow', {
    description:
      'The 72-hour free-entry window a click-to-WhatsApp ad or Page button opened, as Meta reported it on a message of this conversation.',
  });

const lastMessageSchema = z.object({
  id: z.string().openapi({ description: 'An inbound message (`im_…`) or one of your messages (`msg_…`)' }),
  direction: z.enum(['inbound', 'outbound']),
  type: z.string().openapi({ description: "Meta's message type: text, button, interactive, image, … or `template`" }),
  text: z.string().nullable().openapi({
    description:
      'Its text, caption or reply title; the template name for an outbound template; the text, caption or emoji of a session message',
  }),
  at: timestampSchema,
});

export const conversationSchema = z
  .object({
    id: z.string().openapi({ example: 'cnv_3f9a0c41d27be8a65f0c9d1e2b' }),
    phone_number_id: z
      .string()
      .openapi({ description: "Meta's id of your business number", example: '106540352242922' }),
    contact: z.object({
      id: z.string().nullable().openapi({ description: 'The contact (`ct_…`); null until the customer wrote' }),
      phone_number: z.string().nullable().openapi({
        description: 'null for a customer known only by user_id (a WhatsApp username)',
        example: '919820388810',
      }),
      user_id: z.string().nullable().openapi({
        description: "Meta's business-scoped user id, when Meta sent one",
        example: 'IN.1648738043044942',
      }),
      profile_name: z.string().nullable(),
    }),
    last_message: lastMessageSchema.nullable(),
    unread_count: z.number().int().openapi({ description: 'Inbound messages not yet marked read' }),
    window: windowSchema,
    free_entry_window: freeEntryWindowSchema.nullable(),
    last_activity_at: timestampSchema,
  })
  .openapi('Conversation');

export const conversationListSchema = z
  .object({ conversations: z.array(conversationSchema), next_cursor: z.string().nullable() })
  .openapi('ConversationList');

const inboundMessageSchema = z
  .object({
    id: z.string().openapi({ example: 'im_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    direction: z.literal('inbound'),
    wamid: z.string(),
    type: z.string().openapi({
      description: 'text, button, interactive, reaction, location, contacts, image, video, audio, document, sticker, …',
    }),
    text: z
      .string()
      .nullable()
      .openapi({ description: 'The text, caption, reply title, reaction emoji, location name or contact names' }),
    media: z
      .object({ id: z.string(), mime_type: z.string().nullable(), sha256: z.string().nullable() })
      .nullable()
      .openapi({ description: "Meta's media id, mime type and sha256 of an image, video, audio, document or sticker" }),
    context: z
      .object({
        wamid: z.string(),
        message_id: z
          .string()
          .nullable()
          .openapi({ description: 'Your message (`msg_…`) it answers, when it is one of yours' }),
      })
      .nullable()
      .openapi({ description: 'The message it answers (`context.id`), or the one a reaction is on' }),
    message: z.record(z.string(), z.unknown()).openapi({ description: "Meta's message object as it came" }),
    at: timestampSchema.openapi({ description: "Meta's time of the message" }),
    read_at: nullableTimestampSchema,
  })
  .openapi('InboundConversationMessage');

const outboundMessageSchema = z
  .object({
    id: z.string().openapi({ example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    direction: z.literal('outbound'),
    wamid: z.string().nullable(),
    type: z.string().openapi({ description: "`template`, or the session message's type (text, image, …)" }),
    template: z
      .object({ name: z.string(), language: z.string(), category: z.string() })
      .nullable()
      .openapi({ description: 'null for a session message' }),
    text: z
      .string()
      .nullable()
      .openapi({ description: "A session message's text, caption or emoji; null for a template" }),
    context: z
      .object({ wamid: z.string() })
      .nullable()
      .openapi({ description: 'The message a session message answers (its reply_to)' }),
    status: z.string(),
    at: timestampSchema.openapi({ description: 'When Dak accepted it' }),
    sent_at: nullableTimestampSchema,
    delivered_at: nullableTimestampSchema,
    read_at: nullableTimestampSchema,
    failed_at: nullableTimestampSchema,
  })
  .openapi('OutboundConversationMessage');

export const conversationMessageListSchema = z
  .object({
    messages: z.array(z.discriminatedUnion('direction', [inboundMessageSchema, outboundMessageSchema])),
    next_cursor: z.string().nullable(),
  })
  .openapi('ConversationMessageList');

export const conversationReadSchema = z
  .object({
    conversation_id: z.string(),
    marked_read: z.number().int().openapi({ description: 'Inbound messages this call marked read' }),
    read_receipt: z
      .object({
        wamid: z
          .string()
          .openapi({ description: 'The last inbound message, which Meta marks read with the earlier ones' }),
        sent: z.boolean().openapi({ description: 'Whether Meta accepted the read receipt' }),
        error: z
          .object({ code: z.number().nullable(), message: z.string() })
          .nullable()
          .openapi({ description: "Why it was not: Meta's error, or that Meta could not be reached" }),
      })
      .nullable()
      .openapi({ description: 'Null when nothing was unread (no receipt is sent again)' }),
  })
  .openapi('ConversationRead');
