import type { ErrorCode } from '@dak/core';
import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { adminScope, publicScope, type Scope } from '../scopes';
import {
  MAX_CALLBACKS_PER_ACCOUNT,
  REPLAY_CAP,
  callbackAttemptPageSchema,
  callbackAttemptQuerySchema,
  callbackListSchema,
  callbackIdParam,
  callbackSchema,
  createCallbackSchema,
  createdCallbackSchema,
  deletedCallbackSchema,
  replayCallbackSchema,
  replayResultSchema,
  rotatedCallbackSchema,
  updateCallbackSchema,
} from './schema';
import {
  createCallback,
  deleteCallback,
  getCallback,
  listCallbacks,
  listDeliveries,
  replay,
  rotateSecret,
  updateCallback,
} from './service';

const ITEM_ERRORS: ErrorCode[] = ['callback_not_found'];

function callbackRoutes(scope: Scope) {
  const item = scope.item({
    collection: '/callbacks',
    publicName: 'callbackId',
    adminName: 'callbackId',
    param: callbackIdParam,
  });
  const common = { auth: scope.auth, tag: 'Callbacks' as const };
  return [
    defineRoute({
      ...common,
      method: 'post',
      ...scope.collection('/callbacks'),
      operationId: scope.operation('create', 'Callback'),
      summary: 'Register a callback endpoint (its signing secret is shown once)',
      description:
        'Dak POSTs each event of the chosen types to `url`, signed with the returned `secret` (see the README: Callbacks). ' +
        'The URL must be http(s) and public (private, loopback and link-local addresses are refused in production), and it must answer a signed ' +
        '`callback.test` POST: any HTTP status counts; no answer (refused, DNS failure, timeout) is a 422 with the reason. ' +
        `An account has at most ${MAX_CALLBACKS_PER_ACCOUNT} endpoints.`,
      body: {
        schema: createCallbackSchema,
        limit: BODY_LIMITS.small,
        example: { url: 'https://example.com/dak/events', events: ['message.status'], description: 'order system' },
      },
      responses: { 201: { description: 'Registered', schema: createdCallbackSchema } },
      errors: [...scope.errors, 'callback_url_refused', 'callback_unreachable', 'too_many_callbacks'],
    }).handle(async ({ ctx, params, principal, body }) => {
      const { accountId } = await scope.principalOf({ ctx, params, principal });
      return { status: 201, body: await createCallback(ctx, accountId, body) };
    }),
    defineRoute({
      ...common,
      method: 'get',
      ...scope.collection('/callbacks'),
      operationId: scope.operation('list', 'Callbacks'),
      summary: 'The callback endpoints (without their secrets)',
      responses: { 200: { description: 'The endpoints', schema: callbackListSchema } },
      errors: scope.errors,
    }).handle(async ({ ctx, params, principal }) => {
      const { accountId } = await scope.principalOf({ ctx, params, principal });
      return { status: 200, body: await listCallbacks(ctx, accountId) };
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: item.path,
      operationId: scope.operation('get', 'Callback'),
      summary: 'One callback endpoint, with why Dak disabled it if it did',
      params: item.params,
      responses: { 200: { description: 'The endpoint', schema: callbackSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS],
    }).handle(async ({ ctx, params, principal }) => {
      const { accountId } = await scope.principalOf({ ctx, params, principal });
      return { status: 200, body: await getCallback(ctx, accountId, item.idOf(params)) };
    }),
    defineRoute({
      ...common,
      method: 'patch',
      path: item.path,
      operationId: scope.operation('update', 'Callback'),
      summary: 'Change the URL, events, description, or enable/disable it',
      description:
        'A new URL must answer the signed test POST as at registration. `enabled: true` re-enables an endpoint Dak disabled and clears ' +
        '`disabled_reason`; what it missed meanwhile was parked as failed: replay it.',
      params: item.params,
      body: { schema: updateCallbackSchema, limit: BODY_LIMITS.small, example: { enabled: true } },
      responses: { 200: { description: 'Updated', schema: callbackSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS, 'callback_url_refused', 'callback_unreachable'],
    }).handle(async ({ ctx, params, principal, body }) => {
      const { accountId } = await scope.principalOf({ ctx, params, principal });
      return { status: 200, body: await updateCallback(ctx, accountId, item.idOf(params), body) };
    }),
    defineRoute({
      ...common,
      method: 'delete',
      path: item.path,
      operationId: scope.operation('delete', 'Callback'),
      summary: 'Delete a callback endpoint, its pending deliveries and its log',
      params: item.params,
      responses: { 200: { description: 'Deleted', schema: deletedCallbackSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS],
    }).handle(async ({ ctx, params, principal }) => {
      const { accountId } = await scope.principalOf({ ctx, params, principal });
      return { status: 200, body: await deleteCallback(ctx, accountId, item.idOf(params)) };
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: `${item.path}/rotate-secret`,
      operationId: scope.operation('rotate', 'CallbackSecret'),
      summary: 'Issue a new signing secret (shown once); the old one keeps signing for 24 h',
      description:
        'For 24 h every delivery carries two `v1=` signatures, one per secret, so the receiver can switch to the new secret without missing a beat.',
      params: item.params,
      responses: { 200: { description: 'Rotated', schema: rotatedCallbackSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS],
    }).handle(async ({ ctx, params, principal }) => {
      const { accountId } = await scope.principalOf({ ctx, params, principal });
      return { status: 200, body: await rotateSecret(ctx, accountId, item.idOf(params)) };
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: `${item.path}/deliveries`,
      operationId: scope.operation('list', 'CallbackDeliveries'),
      summary: 'The delivery log: every attempt, newest first',
      description:
        "Each attempt: the event, attempt number, HTTP status, latency and error. `limit` (1–500, default 50) per page; pass the answer's " +
        '`next_before` as `before` for older ones. Filter by `event_id`, or by `status` (the delivery now: `failed` lists what was parked).',
      params: item.params,
      query: callbackAttemptQuerySchema,
      responses: { 200: { description: 'One page of attempts', schema: callbackAttemptPageSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS],
    }).handle(async ({ ctx, params, principal, query }) => {
      const { accountId } = await scope.principalOf({ ctx, params, principal });
      return { status: 200, body: await listDeliveries(ctx, accountId, item.idOf(params), query) };
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: `${item.path}/replay`,
      operationId: scope.operation('replay', 'Callback'),
      summary: 'Deliver one event, or the events of a time range, again',
      description:
        '`{"event_id"}` or `{"since", "until"?}` (events made in that range; `until` defaults to now). The same event ids and bodies are POSTed ' +
        `again, freshly signed, with a new 24 h of retries. At most ${REPLAY_CAP} deliveries per call, oldest first: when the range holds more, ` +
        '`more` is true and the same `since` again with `after: next_after` takes the next ones (the range keeps the end the first call gave it); ' +
        'deliveries still pending are on their way already and are not counted.',
      params: item.params,
      body: {
        schema: replayCallbackSchema,
        limit: BODY_LIMITS.small,
        examples: {
          event: { summary: 'One event', value: { event_id: 'evt_01JQ8Z6K2R9V4T3N5B7C8D9E0F' } },
          range: { summary: 'A time range', value: { since: '2026-03-14T09:00:00Z', until: '2026-03-14T10:00:00Z' } },
        },
      },
      responses: { 200: { description: 'Queued again', schema: replayResultSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS, 'callback_event_not_found', 'callback_disabled'],
    }).handle(async ({ ctx, params, principal, body }) => {
      const { accountId } = await scope.principalOf({ ctx, params, principal });
      return { status: 200, body: await replay(ctx, accountId, item.idOf(params), body) };
    }),
  ];
}

export const publicCallbackRoutes = callbackRoutes(publicScope);
export const adminCallbackRoutes = callbackRoutes(adminScope);
