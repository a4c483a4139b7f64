import { nextBeforeSchema, nullableTimestampSchema, timestampSchema } from '../../openapi/common';
import { z } from '../../openapi/zod';
import { idPageQuery } from '../requests';

// Answers, as documented schemas; the presenters return exactly these types.

export const webhookEventSchema = z
  .object({
    id: z.number().int().openapi({ description: 'Increasing with time; the paging cursor', example: 90211 }),
    kind: z.enum(['status', 'message', 'template', 'other']).openapi({
      description: 'A message status, an inbound message, a template status update, or anything else Meta sent',
    }),
    status: z.string().nullable().openapi({
      description: "A status event's status, an inbound message's type, a template update's event",
      example: 'failed',
    }),
    message_id: z.string().nullable().openapi({
      description: 'The message the event was applied to; for a rejected status, the one its callback data named',
      example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F',
    }),
    wamid: z.string().nullable().openapi({ example: 'wamid.HBgMOTE5ODIwMzg4ODEwFQIAERgSQzVBRjE2QjQ4RjI0QkVGQjU2AA==' }),
    waba_id: z
      .string()
      .nullable()
      .openapi({ description: "The envelope's entry id (a WABA), as Meta sent it", example: '102290129340398' }),
    meta_phone_number_id: z
      .string()
      .nullable()
      .openapi({ description: "The envelope's metadata.phone_number_id, as Meta sent it", example: '106540352242922' }),
    account_id: z.string().nullable().openapi({ description: 'The account the envelope names, when it is registered' }),
    phone_number_id: z
      .string()
      .nullable()
      .openapi({ description: 'The number (`pn_…`) the envelope names, when it is registered under that WABA' }),
    rejected_reason: z
      .string()
      .nullable()
      .openapi({
        description:
          'null when applied (or still waiting); else why it was closed without being applied: missing_envelope, unknown_phone_number, phone_number_not_in_waba, ' +
          'message_of_other_account, message_of_other_number, wamid_mismatch, callback_mismatch, unknown_message, unknown_waba, template_of_other_account, unknown_template, malformed_event',
        example: 'message_of_other_account',
      }),
    occurred_at: nullableTimestampSchema.openapi({ description: "Meta's timestamp of the event" }),
    received_at: timestampSchema,
    closed_at: nullableTimestampSchema.openapi({
      description: 'When it was applied or rejected; null while it waits for its message',
    }),
  })
  .openapi('WebhookEvent');

export const webhookEventPageSchema = z
  .object({
    events: z.array(webhookEventSchema).openapi({ description: 'Newest first' }),
    next_before: nextBeforeSchema(90162),
  })
  .openapi('WebhookEventPage');

// Requests.

export const webhookEventsQuerySchema = z.object({
  rejected: z
    .enum(['true', 'false'], {
      message: 'rejected must be true (only rejected events) or false (only accepted ones); leave it out for all',
    })
    .transform((value) => value === 'true')
    .optional(),
  ...idPageQuery('an event id'),
});
