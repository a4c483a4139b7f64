import { CALLBACK_EVENT_TYPES } from '@dak/db';
import { nextBeforeSchema, nullableTimestampSchema, timestampSchema } from '../../openapi/common';
import { z } from '../../openapi/zod';
import { encodeIdCursor, idPageQuery, nothingToChange } from '../requests';

/** Deliveries one replay queues again at most. */
export const REPLAY_CAP = 1_000;
/** Endpoints an account may have: enough for a few systems and environments, few enough that fan-out stays cheap. */
export const MAX_CALLBACKS_PER_ACCOUNT = 10;

// Answers, as documented schemas; the presenters return exactly these types.

const eventTypeSchema = z.enum(CALLBACK_EVENT_TYPES as [string, ...string[]]).openapi({
  description:
    '`message.status`: a message changed status (data: the message as `message-status` answers it, plus `previous_status` and `sequence`); ' +
    '`message.inbound`: a customer wrote; `template.status`: Meta changed a template; `wallet.low_balance`: the wallet ran low',
});

export const callbackSchema = z
  .object({
    id: z.string().openapi({ example: 'cbk_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    url: z.string().openapi({ example: 'https://example.com/dak/events' }),
    events: z.array(eventTypeSchema),
    description: z.string().nullable().openapi({ example: 'order system' }),
    enabled: z
      .boolean()
      .openapi({ description: 'false when disabled by the account or, with `disabled_reason`, by Dak' }),
    disabled_reason: z.string().nullable().openapi({
      description: 'Why Dak disabled it (every delivery failed for 3 days); enabling it again clears it',
      example: null,
    }),
    failing_since: nullableTimestampSchema.openapi({
      description: 'Since when every delivery attempt has failed; null after a success',
    }),
    previous_secret_expires_at: nullableTimestampSchema.openapi({
      description: 'After a rotation: until when the previous secret still signs (a second `v1=`)',
    }),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .openapi('Callback');

const secretSchema = z.string().openapi({
  description: 'The signing secret, shown only in this answer: verify `X-Dak-Signature` with it',
  example: 'whsec_…',
});

export const createdCallbackSchema = callbackSchema.extend({ secret: secretSchema }).openapi('CreatedCallback');
export const rotatedCallbackSchema = callbackSchema.extend({ secret: secretSchema }).openapi('RotatedCallback');

export const callbackListSchema = z
  .object({ success: z.literal(true), callbacks: z.array(callbackSchema) })
  .openapi('CallbackList');

export const deletedCallbackSchema = z
  .object({ success: z.literal(true), id: z.string(), deleted: z.literal(true) })
  .openapi('DeletedCallback');

export const callbackDeliveryStatusSchema = z.enum(['pending', 'delivering', 'delivered', 'failed']);

export const callbackAttemptSchema = z
  .object({
    id: z.number().int().openapi({ description: 'Increasing with time; the paging cursor', example: 5120 }),
    event_id: z.string().openapi({ example: 'evt_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    event_type: z.string().openapi({ example: 'message.status' }),
    attempt: z.number().int().openapi({ description: 'The delivery attempt number, 1 for the first', example: 1 }),
    http_status: z.number().int().nullable().openapi({ description: 'null when no answer came', example: 200 }),
    latency_ms: z.number().int().openapi({ example: 38 }),
    error: z.string().nullable().openapi({ example: null }),
    delivery_status: callbackDeliveryStatusSchema.openapi({
      description:
        "The event's delivery to this endpoint now: pending (a retry is due), delivering, delivered, failed (parked)",
    }),
    at: timestampSchema,
  })
  .openapi('CallbackAttempt');

export const callbackAttemptPageSchema = z
  .object({
    success: z.literal(true),
    deliveries: z.array(callbackAttemptSchema).openapi({ description: 'Attempts, newest first' }),
    next_before: nextBeforeSchema(5070),
  })
  .openapi('CallbackAttemptPage');

export const replayResultSchema = z
  .object({
    success: z.literal(true),
    requeued: z.number().int().openapi({ description: 'Deliveries queued again', example: 12 }),
    more: z.boolean().openapi({
      description: `true when the range held more than ${REPLAY_CAP} finished deliveries: replay the rest with \`after\``,
    }),
    next_after: z.string().nullable().openapi({
      description:
        "When `more`: send the same `since` again with this as `after` to replay the next deliveries of the range (it ends where this call's did, so events made since are not taken); otherwise null",
      example: 'MTI4NDU',
    }),
  })
  .openapi('CallbackReplay');

// Requests.

const urlSchema = z
  .string()
  .trim()
  .max(2048, 'url must be at most 2048 characters')
  .refine((value) => URL.canParse(value), 'url must be an absolute http(s) URL, e.g. https://example.com/dak/events');
const eventsSchema = z
  .array(eventTypeSchema)
  .min(1, `events must name at least one of ${CALLBACK_EVENT_TYPES.join(', ')}`)
  .transform((events) => [...new Set(events)]);
const descriptionSchema = z.string().trim().max(200, 'description must be at most 200 characters');

export const createCallbackSchema = z.object({
  url: urlSchema,
  events: eventsSchema,
  description: descriptionSchema.optional(),
});

export const updateCallbackSchema = z
  .object({
    url: urlSchema,
    events: eventsSchema,
    description: descriptionSchema.nullable(),
    enabled: z.boolean(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, nothingToChange(['url', 'events', 'description', 'enabled']));

export const callbackAttemptQuerySchema = z.object({
  ...idPageQuery('an attempt id'),
  event_id: z.string().max(64).optional(),
  status: callbackDeliveryStatusSchema.optional().openapi({
    description: 'Only attempts of deliveries now in this state (e.g. `failed`: what was parked)',
  }),
});

/** A replay's cursor: where its page stopped, and the end of its range, opaque to callers. */
export interface ReplayCursor {
  at: string;
  id: string;
  until: Date;
}
export const encodeReplayCursor = ({ at, id, until }: ReplayCursor) =>
  encodeIdCursor(`${at}|${id}|${until.toISOString()}`);
/** What a replay cursor holds, or null when it is not one (the service answers 400). */
export function decodeReplayCursor(cursor: string): ReplayCursor | null {
  const [at = '', id = '', until = '', ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const end = new Date(until);
  // Only times this endpoint wrote (1970 or later): anything else would reach Postgres out of range.
  const valid =
    rest.length === 0 &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(at) &&
    Date.parse(at) >= 0 &&
    /^[1-9][0-9]{0,14}$/.test(id) &&
    end.getTime() >= 0 &&
    end.toISOString() === until;
  return valid ? { at, id, until: end } : null;
}
const replayCursor = z
  .string()
  .max(200)
  .optional()
  .openapi({ description: "The previous replay's `next_after`, unchanged; omit it at first" });

export const replayCallbackSchema = z.union(
  [
    z.object({ event_id: z.string().min(1).max(64) }).strict(),
    z
      .object({
        since: z.iso.datetime({ offset: true }),
        until: z.iso.datetime({ offset: true }).optional(),
        after: replayCursor,
      })
      .strict()
      .refine((r) => !r.until || Date.parse(r.until) > Date.parse(r.since), {
        message: 'until must be later than since',
      }),
  ],
  {
    error:
      'send either {"event_id": "evt_…"} to replay one event, or {"since": "<ISO time>", "until"?: "<ISO time>", "after"?: "<next_after>"} for a range (not both)',
  },
);

export const callbackIdParam = z.string().openapi({ param: { description: "The callback endpoint's id (`cbk_…`)" } });
