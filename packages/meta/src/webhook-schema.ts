import { z } from 'zod';
import { metaErrorSchema } from './meta-errors';

// What Meta's webhooks carry (META.md, "Webhooks"), read leniently: a webhook is stored
// whatever it holds, so a field that is missing or of another type reads as null (or an empty
// list) instead of failing the whole body, and the applier decides what that means.

/** An id or a word: a non-empty string, or a number read as its decimal string. */
export const text = z
  .union([z.string().min(1), z.number().transform(String)])
  .nullable()
  .catch(null);
/** Unix seconds (a string or a number) as a date; null when not a positive number. */
export const unixTime = z.coerce
  .number()
  .positive()
  .transform((seconds) => new Date(seconds * 1000))
  .nullable()
  .catch(null);
const optionalString = z.string().optional().catch(undefined);
/** A JSON object kept as it came (its keys in their order, so its hash is stable); `{}` for anything else. */
export const jsonObject = z.record(z.string(), z.unknown()).catch({});
/** A list of objects read with `item` (whose fields all read leniently): anything else in it reads as `{}`, anything but a list as `[]`. */
export const list = <T extends z.ZodType>(item: T) => z.array(item.catch(() => item.parse({}))).catch([]);

/** Meta's envelope: `entry[].changes[].value`, each value kept as it came. */
export const webhookBodySchema = z
  .object({
    entry: list(
      z.object({
        id: text,
        time: z.unknown().optional(),
        changes: list(z.object({ field: z.unknown().optional(), value: jsonObject })),
      }),
    ),
  })
  .catch({ entry: [] });

/** A change's value names the phone number it concerns in `metadata`. */
export const valueMetadataSchema = z.object({
  metadata: z.object({ phone_number_id: text }).catch({ phone_number_id: null }),
});

export const pricingSchema = z
  .looseObject({
    billable: z.boolean().optional().catch(undefined),
    pricing_model: optionalString,
    category: optionalString,
    type: optionalString,
  })
  .nullable()
  .catch(null);
export type MetaPricing = z.infer<typeof pricingSchema>;

export const conversationSchema = z
  .looseObject({
    id: optionalString,
    origin: z.looseObject({ type: optionalString }).optional().catch(undefined),
    expiration_timestamp: text,
  })
  .nullable()
  .catch(null);
export type MetaConversation = z.infer<typeof conversationSchema>;

/** One entry of `statuses`: what became of a message Dak sent; `biz_opaque_callback_data` is Dak's message id. */
export const statusSchema = z.object({
  id: text,
  status: text,
  timestamp: unixTime,
  recipient_id: text,
  biz_opaque_callback_data: text,
  errors: list(metaErrorSchema),
  pricing: pricingSchema,
  conversation: conversationSchema,
});
export type MetaStatus = z.infer<typeof statusSchema>;

/** One entry of `messages`: something a customer sent to one of the numbers. */
export const inboundMessageSchema = z.object({
  id: text,
  /** The writer's phone number; absent for a user known only by a username (2026). */
  from: text,
  /** The writer's business-scoped user id (2026), beside or instead of `from`. */
  from_user_id: text,
  timestamp: unixTime,
  type: text,
});
export type MetaInboundMessage = z.infer<typeof inboundMessageSchema>;

/** One entry of `contacts` beside inbound messages: who wrote, with their WhatsApp profile name. */
export const inboundContactSchema = z.object({
  /** Absent for a user known only by a username (2026). */
  wa_id: text,
  /** Meta's business-scoped user id (2026), beside or instead of wa_id. */
  user_id: text,
  profile: z.object({ name: text, username: text }).nullable().catch(null),
});
export type MetaInboundContact = z.infer<typeof inboundContactSchema>;

/** A `message_template_status_update` change's value. */
export const templateUpdateSchema = z.object({
  event: text,
  message_template_id: text,
  message_template_name: text,
  message_template_language: text,
  reason: z.string().nullable().catch(null),
});
export type MetaTemplateUpdate = z.infer<typeof templateUpdateSchema>;

/** Reads any value with one of the schemas above: not an object reads as `{}`, so every field as absent. */
export function readObject<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  return schema.parse(jsonObject.parse(value));
}
