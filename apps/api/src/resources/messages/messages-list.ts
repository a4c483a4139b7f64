import { z } from 'zod';
import { MESSAGE_STATUSES, normalizeRecipient, normalizeUserId, presentMessage } from '@dak/core';
import { listMessages } from '@dak/db';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import { idCursor, idPage } from '../requests';
import type { messageListSchema } from './schema';

export const MAX_LIST_LIMIT = 1_000;
export const DEFAULT_LIST_LIMIT = 100;

const isoTime = z.iso.datetime({ offset: true });

const timestamp = (name: string) =>
  z
    .string({ error: `give one ${name} time` })
    .refine(
      (value) => isoTime.safeParse(value).success && Date.parse(value) >= 0,
      'an ISO 8601 time with a zone, 1970 or later, e.g. 2026-03-14T09:30:00Z',
    )
    .transform((value) => new Date(value))
    .optional();

const PARAMETERS = 'status, phone_number, user_id, batch_id, client_reference, since, until, limit and cursor';

/** `GET /messages` query: every filter is exact; several filters narrow together. */
export const messageListQuerySchema = z
  .strictObject(
    {
      status: z
        .enum(MESSAGE_STATUSES, { error: `must be one of ${MESSAGE_STATUSES.join(', ')}` })
        .optional()
        .describe('Only messages in this status (a message being handed to Meta counts as queued)'),
      phone_number: z
        .string({ error: 'give one phone number' })
        .transform((value, ctx) => {
          const recipient = normalizeRecipient(value);
          if (recipient) return recipient;
          ctx.addIssue({
            code: 'custom',
            message: 'not a plausible phone number: digits with the country code, e.g. 919820388810',
          });
          return z.NEVER;
        })
        .optional()
        .describe(
          'Only messages to this recipient; written as send-message takes it (+, spaces and dashes are stripped)',
        ),
      user_id: z
        .string({ error: 'give one user id' })
        .transform((value, ctx) => {
          const userId = normalizeUserId(value);
          if (userId) return userId;
          ctx.addIssue({
            code: 'custom',
            message: "not a business-scoped user id: Meta's form, e.g. US.13491208655302741918",
          });
          return z.NEVER;
        })
        .optional()
        .describe('Only messages sent to this user id (a customer the account knows by no number)'),
      batch_id: z
        .string({ error: 'give one batch id' })
        .min(1, 'must not be empty')
        .max(64, 'at most 64 characters')
        .optional()
        .describe('Only the messages of this batch (`bat_…`, from send-batch)'),
      client_reference: z
        .string({ error: 'give one client_reference' })
        .min(1, 'must not be empty')
        .max(256, 'at most 256 characters')
        .optional()
        .describe('Only messages sent with this client_reference'),
      since: timestamp('since').describe('Only messages queued at or after this time (ISO 8601 with a zone)'),
      until: timestamp('until').describe('Only messages queued before this time (ISO 8601 with a zone)'),
      limit: z
        .string({ error: `give one limit, 1 to ${MAX_LIST_LIMIT}` })
        .regex(/^\d{1,7}$/, `a whole number from 1 to ${MAX_LIST_LIMIT}`)
        .transform(Number)
        .pipe(z.number().min(1, `at least 1`).max(MAX_LIST_LIMIT, `at most ${MAX_LIST_LIMIT}`))
        .optional()
        .describe(`Messages per page, 1 to ${MAX_LIST_LIMIT}; default ${DEFAULT_LIST_LIMIT}`),
      cursor: idCursor('msg'),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown parameter ${issue.keys.map((k) => `"${k}"`).join(', ')}: the parameters are ${PARAMETERS}`
          : undefined,
    },
  )
  .refine((query) => !query.since || !query.until || query.since < query.until, {
    path: ['until'],
    message: 'must be later than since',
  })
  // A message has one recipient: a number, or a user id the account knows by no number.
  .refine((query) => !query.phone_number || !query.user_id, {
    path: ['user_id'],
    message: 'give phone_number or user_id, not both: a message goes to one of them',
  });

// Ids begin with their creation time (ULID: 48-bit milliseconds in 10 Crockford base-32
// characters), so a time bound is also an id bound and every filter stays a range scan of its
// index. queued_at is taken just before the ids of its request are made: an id is never
// earlier than its queued_at, and later by at most the time it takes to build a request's rows.
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
/** Room for the rows of one request to be built (a 10,000-message batch takes well under a second). */
const ID_AFTER_QUEUED_AT_MS = 10_000;

/** The smallest message id made at `ms` (a prefix: every id of that millisecond sorts at or after it). */
export function firstIdAt(ms: number): string {
  let time = '';
  for (let rest = Math.max(0, Math.floor(ms)), i = 0; i < 10; i += 1, rest = Math.floor(rest / 32))
    time = CROCKFORD[rest % 32] + time;
  return `msg_${time}`;
}

/** `GET /messages`: a page of the account's messages, newest first, each as message-status shows it. */
export async function listAccountMessages(
  ctx: ApiContext,
  principal: Principal,
  query: z.output<typeof messageListQuerySchema>,
): Promise<z.infer<typeof messageListSchema>> {
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  const rows = await listMessages(ctx.db, principal.accountId, {
    ...(query.status ? { status: query.status } : {}),
    ...(query.phone_number || query.user_id ? { recipient: query.phone_number ?? query.user_id } : {}),
    ...(query.batch_id ? { batchId: query.batch_id } : {}),
    ...(query.client_reference ? { clientReference: query.client_reference } : {}),
    ...(query.since ? { since: query.since, idFrom: firstIdAt(query.since.getTime()) } : {}),
    ...(query.until ? { until: query.until, idBefore: firstIdAt(query.until.getTime() + ID_AFTER_QUEUED_AT_MS) } : {}),
    ...(query.cursor ? { after: query.cursor } : {}),
    // One more than the page: whether it exists says if there is a next page.
    limit: limit + 1,
  });
  const { page, nextCursor } = idPage(rows, limit);
  return { success: true, messages: page.map((row) => presentMessage(row)), next_cursor: nextCursor };
}
