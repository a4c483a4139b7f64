import { CHARGE_STATES, MESSAGE_STATUSES, PRIORITIES, SESSION_TYPES } from '@dak/core';
import { moneySchema, nullableTimestampSchema, timestampSchema } from '../../openapi/common';
import { z } from '../../openapi/zod';

// Answers, as documented schemas; the presenters return exactly these types.

export const sendMessageResponseSchema = z
  .object({
    success: z.literal(true),
    message_id: z
      .string()
      .openapi({ description: "Dak's id: time-sortable, prefixed `msg_`", example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    status: z.literal('queued'),
  })
  .openapi('SendMessageResponse');

export const messageErrorSchema = z
  .object({
    code: z.union([z.string(), z.number()]).openapi({
      description: "Meta's numeric code, or Dak's own (`expired`, `insufficient_funds`, …)",
      example: 131026,
    }),
    title: z.string().openapi({ example: 'Message undeliverable' }),
    details: z.string().optional(),
    source: z.enum(['meta', 'dak']),
  })
  .openapi('MessageError');

export const messageStatusSchema = z
  .object({
    success: z.literal(true),
    message_id: z.string().openapi({ example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    wamid: z.string().nullable().openapi({
      description: "Meta's message id, once Meta has accepted the message",
      example: 'wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSQzVBRjE2QjQ4RjI0QkVGQjU2AA==',
    }),
    status: z
      .enum(MESSAGE_STATUSES)
      .openapi({ description: 'Only moves forward: queued < sent < failed < delivered < read' }),
    phone_number: z.string().nullable().openapi({
      description: 'The recipient, digits with country code; null when the message went to a user_id',
      example: '919820388810',
    }),
    user_id: z.string().nullable().openapi({
      description:
        "The recipient's Meta business-scoped user id, when the send named one the account knows by no number",
      example: null,
    }),
    kind: z.enum(['template', 'session']).openapi({
      description:
        'template (send-message, send-batch) or session (send-session-message: a free-form reply in the 24-hour window)',
    }),
    template_id: z
      .string()
      .nullable()
      .openapi({ description: 'null for a session message', example: '1284751902651784' }),
    template_name: z
      .string()
      .nullable()
      .openapi({ description: 'null for a session message', example: 'order_update' }),
    session: z
      .object({
        type: z.enum(SESSION_TYPES),
        content: z.record(z.string(), z.unknown()).openapi({ description: "Meta's object for the type, as sent" }),
        reply_to: z.string().nullable().openapi({ description: 'The wamid it answers (Meta `context.message_id`)' }),
      })
      .nullable()
      .openapi({ description: 'A session message as sent; null for a template' }),
    client_reference: z.string().nullable(),
    batch_id: z.string().nullable(),
    timestamps: z.object({
      queued_at: timestampSchema,
      sent_at: nullableTimestampSchema,
      delivered_at: nullableTimestampSchema,
      read_at: nullableTimestampSchema,
      failed_at: nullableTimestampSchema,
    }),
    expires_at: nullableTimestampSchema.openapi({
      description: 'From `expires_in`: not sent by then → failed with code `expired`, credit returned',
    }),
    error: z.union([messageErrorSchema, z.null()]).openapi({ description: 'null, or why the message failed' }),
    charge: z.object({
      amount: moneySchema,
      currency: z.string().openapi({ example: 'INR' }),
      state: z.enum(CHARGE_STATES).openapi({
        description:
          "held on accept, captured when Meta takes it, released or refunded otherwise; waived when Meta reported it free (`pricing.type` free_customer_service or free_entry_point) and the account's `charge_free_messages` is false",
      }),
    }),
    pricing: z
      .object({
        model: z
          .string()
          .nullable()
          .openapi({ description: "Meta's `pricing_model`: PMP (per message)", example: 'PMP' }),
        category: z.string().nullable().openapi({
          description: 'marketing, utility, authentication, authentication_international, service or marketing_lite',
          example: 'utility',
        }),
        type: z.string().nullable().openapi({
          description: 'regular (Meta charges it), free_customer_service or free_entry_point',
          example: 'regular',
        }),
        billable: z.boolean().optional().openapi({ description: 'Deprecated by Meta; present when Meta sent it' }),
      })
      .nullable()
      .openapi({
        description:
          "The pricing Meta reported on the message's statuses (the latest); null until a status carried one",
      }),
  })
  .openapi('MessageStatus');

const batchItemErrorSchema = z
  .object({
    index: z.number().int().openapi({ description: 'The position of the item in `messages`, from 0', example: 3 }),
    error: z.object({
      code: z
        .string()
        .openapi({ description: "send-message's code for the same mistake", example: 'invalid_phone_number' }),
      message: z.string().openapi({ description: 'What is wrong with this item and how to fix it' }),
    }),
  })
  .openapi('BatchItemError');

export const sendBatchResponseSchema = z
  .object({
    success: z.literal(true),
    batch_id: z
      .string()
      .openapi({ description: "The batch's id, prefixed `bat_`", example: 'bat_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    accepted: z.number().int().openapi({ description: 'Messages accepted, held for and queued', example: 9963 }),
    rejected: z
      .array(batchItemErrorSchema)
      .openapi({ description: 'The items not accepted, in item order, each with its reason' }),
    message_ids: z.array(z.string().nullable()).openapi({
      description: 'One entry per item, in item order: the message id, or null for a rejected item',
      example: ['msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F', null],
    }),
  })
  .openapi('SendBatchResponse');

export const batchStatusSchema = z
  .object({
    success: z.literal(true),
    batch_id: z.string().openapi({ example: 'bat_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    created_at: timestampSchema,
    phone_number_id: z
      .string()
      .openapi({ description: 'The sending Meta phone number id', example: '106540352242922' }),
    template: z.object({
      id: z.string().openapi({ example: '1284751902651784' }),
      name: z.string().openapi({ example: 'order_update' }),
      language: z.string().openapi({ example: 'en_US' }),
    }),
    priority: z.enum(PRIORITIES).openapi({ description: 'The lane its messages were queued in' }),
    accepted: z.number().int().openapi({ example: 9963 }),
    rejected: z.number().int().openapi({ description: 'Items refused when the batch was posted', example: 37 }),
    counts: z
      .object({
        queued: z.number().int(),
        sent: z.number().int(),
        delivered: z.number().int(),
        read: z.number().int(),
        failed: z.number().int(),
      })
      .openapi({
        description:
          'The accepted messages by their current status (as message-status shows it); they add up to accepted',
      }),
    charges: z
      .object({
        currency: z.string().openapi({ example: 'INR' }),
        held: moneySchema.openapi({ description: 'Held for messages Meta has not taken yet' }),
        captured: moneySchema.openapi({ description: 'Charged: messages Meta took' }),
        refunded: moneySchema.openapi({
          description: 'Charged, then returned: messages that failed after Meta took them',
        }),
        released: moneySchema.openapi({
          description: 'Held, then returned: messages that never reached Meta (expired, refused)',
        }),
        waived: moneySchema.openapi({
          description:
            "Not charged: messages Meta reported free (pricing type free_customer_service or free_entry_point), as the account's charge_free_messages says",
        }),
      })
      .openapi({
        description: 'The price of the accepted messages by what happened to it; the five add up to their total price',
      }),
  })
  .openapi('BatchStatus');

export const messageListSchema = z
  .object({
    success: z.literal(true),
    messages: z
      .array(messageStatusSchema.omit({ success: true }).openapi('Message'))
      .openapi({ description: 'Newest first; each as message-status answers it' }),
    next_cursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next (older) page; null on the last page' }),
  })
  .openapi('MessageList');
