import type { z } from 'zod';
import { DakError, callbackRequest, decryptSecret, encryptSecret, generateCallbackSecret, newId } from '@dak/core';
import {
  countCallbackEndpoints,
  deleteCallbackEndpoint,
  endpointHasEvent,
  findCallbackEndpoint,
  insertCallbackEndpoint,
  listCallbackAttempts,
  listCallbackEndpoints,
  lockCallbackEndpointsOfAccount,
  replayCallbackDeliveries,
  rotateCallbackSecret,
  updateCallbackEndpoint,
  type CallbackEndpoint,
} from '@dak/db';
import { urlProblem } from '@dak/http';
import { wakeCallbackDeliveries } from '@dak/queue';
import type { ApiContext } from '../../context';
import { invalidField } from '../requests';
import { presentCallback, presentCallbackAttempt } from './presenter';
import {
  MAX_CALLBACKS_PER_ACCOUNT,
  REPLAY_CAP,
  decodeReplayCursor,
  encodeReplayCursor,
  type callbackAttemptQuerySchema,
  type createCallbackSchema,
  type replayCallbackSchema,
  type updateCallbackSchema,
} from './schema';

// One service for the public API (the key's account) and the admin API (`/accounts/:id`): each
// function takes the account the caller acts for, and another account's endpoint is not found.

/** How long a rotated-out secret keeps signing beside the new one. */
export const PREVIOUS_SECRET_SIGNS_MS = 24 * 3_600_000;

export async function requireCallback(ctx: ApiContext, accountId: string, id: string): Promise<CallbackEndpoint> {
  const endpoint = await findCallbackEndpoint(ctx.db, accountId, id);
  if (!endpoint)
    throw new DakError(
      'callback_not_found',
      `No callback endpoint "${id}" in this account. GET /callbacks lists them.`,
    );
  return endpoint;
}

/**
 * The secret is returned once, here; Dak stores it encrypted. The URL must answer a signed ping
 * first. The limit is checked before the ping (no ping for an account that is full) and again,
 * under the account's lock, with the insert: concurrent creates cannot pass it together. The ping
 * happens outside the lock, so a slow URL never holds up the account's other registrations.
 */
export async function createCallback(ctx: ApiContext, accountId: string, input: z.infer<typeof createCallbackSchema>) {
  if ((await countCallbackEndpoints(ctx.db, accountId)) >= MAX_CALLBACKS_PER_ACCOUNT) throw tooManyCallbacks();
  const id = newId('cbk');
  const secret = generateCallbackSecret();
  await checkReachable(ctx, id, input.url, secret);
  const row = await ctx.db.transaction().execute(async (trx) => {
    await lockCallbackEndpointsOfAccount(trx, accountId);
    if ((await countCallbackEndpoints(trx, accountId)) >= MAX_CALLBACKS_PER_ACCOUNT) throw tooManyCallbacks();
    return insertCallbackEndpoint(trx, {
      id,
      account_id: accountId,
      url: input.url,
      events: input.events,
      description: input.description ?? null,
      secret_encrypted: encryptSecret(secret, ctx.config.encryptionKey),
      previous_secret_encrypted: null,
      previous_secret_until: null,
      disabled_reason: null,
      failing_since: null,
    });
  });
  return { ...presentCallback(row), secret };
}

function tooManyCallbacks(): DakError {
  return new DakError(
    'too_many_callbacks',
    `This account has ${MAX_CALLBACKS_PER_ACCOUNT} callback endpoints, the most it may have. Delete one, or subscribe an existing one to more events.`,
    { limit: MAX_CALLBACKS_PER_ACCOUNT },
  );
}

export async function listCallbacks(ctx: ApiContext, accountId: string) {
  return {
    success: true as const,
    callbacks: (await listCallbackEndpoints(ctx.db, accountId)).map((row) => presentCallback(row)),
  };
}

export async function getCallback(ctx: ApiContext, accountId: string, id: string) {
  return presentCallback(await requireCallback(ctx, accountId, id));
}

/** A new URL must answer the ping too (signed with the current secret). */
export async function updateCallback(
  ctx: ApiContext,
  accountId: string,
  id: string,
  input: z.infer<typeof updateCallbackSchema>,
) {
  const endpoint = await requireCallback(ctx, accountId, id);
  if (input.url !== undefined && input.url !== endpoint.url) {
    await checkReachable(ctx, id, input.url, decryptSecret(endpoint.secret_encrypted, ctx.config.encryptionKey));
  }
  const updated = await updateCallbackEndpoint(ctx.db, accountId, id, input);
  if (!updated) throw new DakError('callback_not_found', `No callback endpoint "${id}" in this account.`);
  return presentCallback(updated);
}

/** Its pending deliveries and its log go with it. */
export async function deleteCallback(ctx: ApiContext, accountId: string, id: string) {
  const deleted = await deleteCallbackEndpoint(ctx.db, accountId, id);
  if (!deleted) throw new DakError('callback_not_found', `No callback endpoint "${id}" in this account.`);
  return { success: true as const, id, deleted: true as const };
}

export async function rotateSecret(ctx: ApiContext, accountId: string, id: string) {
  const secret = generateCallbackSecret();
  const now = new Date();
  const rotated = await rotateCallbackSecret(
    ctx.db,
    accountId,
    id,
    encryptSecret(secret, ctx.config.encryptionKey),
    new Date(now.getTime() + PREVIOUS_SECRET_SIGNS_MS),
    now,
  );
  if (!rotated) throw new DakError('callback_not_found', `No callback endpoint "${id}" in this account.`);
  return { ...presentCallback(rotated), secret };
}

/** Newest first; `next_before` is the cursor for the next page, null on the last one. */
export async function listDeliveries(
  ctx: ApiContext,
  accountId: string,
  id: string,
  query: z.infer<typeof callbackAttemptQuerySchema>,
) {
  await requireCallback(ctx, accountId, id);
  const rows = await listCallbackAttempts(ctx.db, id, {
    limit: query.limit + 1,
    before: query.before,
    eventId: query.event_id,
    status: query.status,
  });
  const page = rows.slice(0, query.limit);
  return {
    success: true as const,
    deliveries: page.map(presentCallbackAttempt),
    next_before: rows.length > query.limit ? page.at(-1)!.id : null,
  };
}

/** Queues finished deliveries again: the same event ids and bodies, freshly signed, with a new retry window. */
export async function replay(
  ctx: ApiContext,
  accountId: string,
  id: string,
  input: z.infer<typeof replayCallbackSchema>,
) {
  const endpoint = await requireCallback(ctx, accountId, id);
  if (!endpoint.enabled) {
    throw new DakError(
      'callback_disabled',
      `Callback endpoint "${id}" is disabled, so a replay would not be sent. Enable it first (PATCH with {"enabled": true}).`,
    );
  }
  if ('event_id' in input && !(await endpointHasEvent(ctx.db, id, input.event_id))) {
    throw new DakError('callback_event_not_found', `Callback endpoint "${id}" never had event "${input.event_id}".`);
  }
  const selection = 'event_id' in input ? { eventId: input.event_id } : rangeOf(input);
  const { ids, next } = await replayCallbackDeliveries(ctx.db, id, selection, REPLAY_CAP);
  // Committed already: without Redis the sweep enqueues them, so the replay answers as done.
  await wakeCallbackDeliveries(ctx.queues, ctx.logger, ids, { now: true });
  return {
    success: true as const,
    requeued: ids.length,
    more: next !== null,
    next_after:
      next === null || 'eventId' in selection ? null : encodeReplayCursor({ ...next, until: selection.until }),
  };
}

/**
 * A replay's range: [since, until or now). A later page (`after`) keeps the first page's end,
 * which its cursor carries: events made since then were delivered as they came, and the range
 * must not grow under a caller paging through it.
 */
function rangeOf(input: { since: string; until?: string | undefined; after?: string | undefined }) {
  const since = new Date(input.since);
  if (input.after === undefined) return { since, until: input.until ? new Date(input.until) : new Date() };
  const cursor = decodeReplayCursor(input.after);
  if (!cursor)
    throw invalidField(
      'after',
      'not a replay cursor: pass next_after from the previous replay of this range unchanged',
    );
  if (input.until !== undefined && Date.parse(input.until) !== cursor.until.getTime())
    throw invalidField(
      'after',
      `the range this cursor continues ends at ${cursor.until.toISOString()}: send that until, or none`,
    );
  return { since, until: cursor.until, after: { at: cursor.at, id: cursor.id } };
}

/**
 * A URL is taken only if it is http(s), public (unless private URLs are allowed) and answers a
 * signed `callback.test` POST. Any HTTP answer counts: the endpoint may not know the event yet.
 */
async function checkReachable(ctx: ApiContext, id: string, url: string, secret: string): Promise<void> {
  const allowPrivate = ctx.config.callbacks.allowPrivateUrls;
  const problem = urlProblem(url, allowPrivate);
  if (problem) throw new DakError('callback_url_refused', `The callback URL is refused: ${problem}.`, { url });
  if (ctx.config.env === 'production' && !allowPrivate && new URL(url).protocol !== 'https:') {
    throw new DakError(
      'callback_url_refused',
      'The callback URL must use https in production: events carry personal data.',
      {
        url,
      },
    );
  }
  const now = new Date();
  const ping = callbackRequest(
    { id: newId('evt', now.getTime()), type: 'callback.test', created_at: now, data: { callback_id: id } },
    [secret],
    now,
  );
  const answer = await ctx.outbound.post(url, ping.body, ping.headers, ctx.config.callbacks.timeoutMs);
  if (answer.status !== null) return;
  const refused = answer.error?.startsWith('refused:');
  throw new DakError(
    refused ? 'callback_url_refused' : 'callback_unreachable',
    refused
      ? `The callback URL is refused: ${answer.error!.slice('refused: '.length)}.`
      : `The callback URL did not answer a test POST: ${answer.error}. Make sure it is reachable from Dak, then register it again.`,
    { url },
  );
}
