import { z } from 'zod';

/** A message row is a template send or a session message (a free-form reply in the customer's window). */
export type MessageKind = 'template' | 'session';

export const SESSION_TYPES = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'reaction',
  'interactive',
] as const;
export type SessionType = (typeof SESSION_TYPES)[number];

/** A session message as stored: Meta's object for its type, and the wamid it replies to. */
export interface SessionPayload {
  type: SessionType;
  content: Record<string, unknown>;
  /** `context.message_id` of the send: the wamid it quotes; null when it quotes nothing. */
  context_wamid: string | null;
}

/** Meta's limits for session messages. */
export const SESSION_TEXT_MAX = 4096;
export const SESSION_CAPTION_MAX = 1024;
const FILENAME_MAX = 240;
const LINK_MAX = 2048;
const INTERACTIVE_BODY_MAX = 1024;
const INTERACTIVE_FOOTER_MAX = 60;

const mediaObject = (type: string, extra: z.ZodRawShape) =>
  z
    .strictObject(
      {
        id: z.string().trim().min(1).max(64, 'at most 64 characters: a media id from POST /media').optional(),
        link: z
          .url({ protocol: /^https?$/, error: 'must be an http(s) URL Meta can fetch' })
          .max(LINK_MAX)
          .optional(),
        ...extra,
      },
      { error: `must be an object: ${type}: {id | link${Object.keys(extra).length ? ', …' : ''}}` },
    )
    .refine((m) => (m.id === undefined) !== (m.link === undefined), {
      error: `give exactly one of id (a media id from POST /api/whatsapp/v1/media) or link (an https URL)`,
      path: ['id'],
    });

const caption = z.string().max(SESSION_CAPTION_MAX, `at most ${SESSION_CAPTION_MAX} characters, Meta's caption limit`);

/** Each session type's object, as Meta takes it (unknown keys refused, so a typo is a 400, not Meta's error). */
export const sessionContentSchemas = {
  text: z.strictObject(
    {
      body: z
        .string({ error: 'required: the text' })
        .min(1, 'must not be empty')
        .max(SESSION_TEXT_MAX, `at most ${SESSION_TEXT_MAX} characters, Meta's text limit`),
      preview_url: z.boolean().optional(),
    },
    { error: 'must be an object: text: {body, preview_url?}' },
  ),
  image: mediaObject('image', { caption: caption.optional() }),
  video: mediaObject('video', { caption: caption.optional() }),
  audio: mediaObject('audio', {}),
  sticker: mediaObject('sticker', {}),
  document: mediaObject('document', {
    caption: caption.optional(),
    filename: z.string().min(1).max(FILENAME_MAX, `at most ${FILENAME_MAX} characters`).optional(),
  }),
  location: z.strictObject(
    {
      latitude: z.number({ error: 'required: degrees, -90 to 90' }).min(-90).max(90),
      longitude: z.number({ error: 'required: degrees, -180 to 180' }).min(-180).max(180),
      name: z.string().max(1000).optional(),
      address: z.string().max(1000).optional(),
    },
    { error: 'must be an object: location: {latitude, longitude, name?, address?}' },
  ),
  reaction: z.strictObject(
    {
      message_id: z
        .string({ error: "required: the wamid (or Dak's msg_ id) of the message to react to" })
        .trim()
        .min(1)
        .max(256),
      emoji: z.string({ error: 'required: one emoji, or "" to remove the reaction' }).max(16, 'one emoji'),
    },
    { error: 'must be an object: reaction: {message_id, emoji}' },
  ),
  interactive: z.looseObject(
    {
      type: z.enum(['button', 'list', 'cta_url', 'location_request_message', 'flow', 'product', 'product_list'], {
        error: 'must be one of button, list, cta_url, location_request_message, flow, product, product_list',
      }),
      body: z
        .object({
          text: z.string().min(1).max(INTERACTIVE_BODY_MAX, `at most ${INTERACTIVE_BODY_MAX} characters`),
        })
        .optional(),
      footer: z
        .object({
          text: z.string().min(1).max(INTERACTIVE_FOOTER_MAX, `at most ${INTERACTIVE_FOOTER_MAX} characters`),
        })
        .optional(),
      action: z.record(z.string(), z.unknown(), { error: 'required: the interactive action object, as Meta takes it' }),
    },
    { error: 'must be an object: interactive: {type, body?, header?, footer?, action}' },
  ),
} satisfies Record<SessionType, z.ZodType>;

/** A session message's text in a line: its text, caption, emoji, place name or interactive body; null when none. */
export function sessionText(session: Pick<SessionPayload, 'type' | 'content'>): string | null {
  const c = session.content;
  const pick = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  switch (session.type) {
    case 'text':
      return pick(c.body);
    case 'reaction':
      return pick(c.emoji);
    case 'location':
      return pick(c.name) ?? pick(c.address);
    case 'interactive':
      return pick((c.body as { text?: unknown } | undefined)?.text);
    default:
      return pick(c.caption);
  }
}

/** How a session message shows in a message's answer: its type, Meta's object for it, and the wamid it answers. */
export function presentSession(session: SessionPayload | null) {
  return session && { type: session.type, content: session.content, reply_to: session.context_wamid };
}
