import type { ErrorCode } from '@dak/core';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute, type Auth } from '../../http/route';
import { accountParams } from '../accounts/schema';
import { requireAccount } from '../accounts/service';
import {
  MAX_CALLBACKS_PER_ACCOUNT,
  REPLAY_CAP,
  accountCallbackParams,
  callbackAttemptPageSchema,
  callbackAttemptQuerySchema,
  callbackListSchema,
  callbackParams,
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

/**
 * Where a set of callback routes lives: the public API acts for the key's account
 * (`/callbacks…`), the admin API for the account in the path (`/accounts/:id/callbacks…`).
 * The routes, their documentation and the service are the same.
 */
interface Scope {
  auth: Auth;
  prefix: string;
  /** The operationId of each route: `createCallback` or `createAccountCallback`. */
  operation(verb: string, noun?: string): string;
  collectionParams: typeof accountParams | undefined;
  itemParams: typeof callbackParams | typeof accountCallbackParams;
  /** The account acted for; the admin API answers 404 for an unknown one. */
  accountOf(input: { ctx: ApiContext; params: unknown; principal: Principal | undefined }): Promise<string>;
  errors: ErrorCode[];
}

const publicScope: Scope = {
  auth: 'api_key',
  prefix: '',
  operation: (verb, noun = 'Callback') => `${verb}${noun}`,
  collectionParams: undefined,
  itemParams: callbackParams,
  accountOf: async ({ principal }) => principal!.accountId,
  errors: [],
};

const adminScope: Scope = {
  auth: 'admin',
  prefix: '/accounts/:id',
  operation: (verb, noun = 'Callback') => `${verb}Account${noun}`,
  collectionParams: accountParams,
  itemParams: accountCallbackParams,
  accountOf: async ({ ctx, params }) => (await requireAccount(ctx, (params as { id: string }).id)).id,
  errors: ['account_not_found'],
};

const callbackIdOf = (params: unknown) => (params as { callbackId: string }).callbackId;
const ITEM_ERRORS: ErrorCode[] = ['callback_not_found'];

function callbackRoutes(scope: Scope) {
  const base = `${scope.prefix}/callbacks`;
  const item = `${base}/:callbackId`;
  const common = { auth: scope.auth, tag: 'Callbacks' as const };
  return [
    defineRoute({
      ...common,
      method: 'post',
      path: base,
      operationId: scope.operation('create'),
      summary: 'Register a callback endpoint (its signing secret is shown once)',
      description:
        'Dak POSTs each event of the chosen types to `url`, signed with the returned `secret` (see the README: Callbacks). ' +
        'The URL must be http(s) and public (private, loopback and link-local addresses are refused in production), and it must answer a signed ' +
        '`callback.test` POST: any HTTP status counts; no answer (refused, DNS failure, timeout) is a 422 with the reason. ' +
        `An account has at most ${MAX_CALLBACKS_PER_ACCOUNT} endpoints.`,
      ...(scope.collectionParams ? { params: scope.collectionParams } : {}),
      body: {
        schema: createCallbackSchema,
        limit: BODY_LIMITS.small,
        example: { url: 'https://example.com/dak/events', events: ['message.status'], description: 'order system' },
      },
      responses: { 201: { description: 'Registered', schema: createdCallbackSchema } },
      errors: [...scope.errors, 'callback_url_refused', 'callback_unreachable', 'too_many_callbacks'],
    }).handle(async ({ ctx, params, principal, body }) => {
      const accountId = await scope.accountOf({ ctx, params, principal });
      return { status: 201, body: await createCallback(ctx, accountId, body) };
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: base,
      operationId: scope.operation('list', 'Callbacks'),
      summary: 'The callback endpoints (without their secrets)',
      ...(scope.collectionParams ? { params: scope.collectionParams } : {}),
      responses: { 200: { description: 'The endpoints', schema: callbackListSchema } },
      errors: scope.errors,
    }).handle(async ({ ctx, params, principal }) => {
      const accountId = await scope.accountOf({ ctx, params, principal });
      return { status: 200, body: await listCallbacks(ctx, accountId) };
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: item,
      operationId: scope.operation('get'),
      summary: 'One callback endpoint, with why Dak disabled it if it did',
      params: scope.itemParams,
      responses: { 200: { description: 'The endpoint', schema: callbackSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS],
    }).handle(async ({ ctx, params, principal }) => {
      const accountId = await scope.accountOf({ ctx, params, principal });
      return { status: 200, body: await getCallback(ctx, accountId, callbackIdOf(params)) };
    }),
    defineRoute({
      ...common,
      method: 'patch',
      path: item,
      operationId: scope.operation('update'),
      summary: 'Change the URL, events, description, or enable/disable it',
      description:
        'A new URL must answer the signed test POST as at registration. `enabled: true` re-enables an endpoint Dak disabled and clears ' +
        '`disabled_reason`; what it missed meanwhile was parked as failed: replay it.',
      params: scope.itemParams,
      body: { schema: updateCallbackSchema, limit: BODY_LIMITS.small, example: { enabled: true } },
      responses: { 200: { description: 'Updated', schema: callbackSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS, 'callback_url_refused', 'callback_unreachable'],
    }).handle(async ({ ctx, params, principal, body }) => {
      const accountId = await scope.accountOf({ ctx, params, principal });
      return { status: 200, body: await updateCallback(ctx, accountId, callbackIdOf(params), body) };
    }),
    defineRoute({
      ...common,
      method: 'delete',
      path: item,
      operationId: scope.operation('delete'),
      summary: 'Delete a callback endpoint, its pending deliveries and its log',
      params: scope.itemParams,
      responses: { 200: { description: 'Deleted', schema: deletedCallbackSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS],
    }).handle(async ({ ctx, params, principal }) => {
      const accountId = await scope.accountOf({ ctx, params, principal });
      return { status: 200, body: await deleteCallback(ctx, accountId, callbackIdOf(params)) };
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: `${item}/rotate-secret`,
      operationId: scope.operation('rotate', 'CallbackSecret'),
      summary: 'Issue a new signing secret (shown once); the old one keeps signing for 24 h',
      description:
        'For 24 h every delivery carries two `v1=` signatures, one per secret, so the receiver can switch to the new secret without missing a beat.',
      params: scope.itemParams,
      responses: { 200: { description: 'Rotated', schema: rotatedCallbackSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS],
    }).handle(async ({ ctx, params, principal }) => {
      const accountId = await scope.accountOf({ ctx, params, principal });
      return { status: 200, body: await rotateSecret(ctx, accountId, callbackIdOf(params)) };
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: `${item}/deliveries`,
      operationId: scope.operation('list', 'CallbackDeliveries'),
      summary: 'The delivery log: every attempt, newest first',
      description:
        "Each attempt: the event, attempt number, HTTP status, latency and error. `limit` (1–500, default 50) per page; pass the answer's " +
        '`next_before` as `before` for older ones. Filter by `event_id`, or by `status` (the delivery now: `failed` lists what was parked).',
      params: scope.itemParams,
      query: callbackAttemptQuerySchema,
      responses: { 200: { description: 'One page of attempts', schema: callbackAttemptPageSchema } },
      errors: [...scope.errors, ...ITEM_ERRORS],
    }).handle(async ({ ctx, params, principal, query }) => {
      const accountId = await scope.accountOf({ ctx, params, principal });
      return { status: 200, body: await listDeliveries(ctx, accountId, callbackIdOf(params), query) };
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: `${item}/replay`,
      operationId: scope.operation('replay'),
      summary: 'Deliver one event, or the events of a time range, again',
      description:
        '`{"event_id"}` or `{"since", "until"?}` (events made in that range; `until` defaults to now). The same event ids and bodies are POSTed ' +
        `again, freshly signed, with a new 24 h of retries. At most ${REPLAY_CAP} deliveries per call (\`more\` says when the range held more); ` +
        'deliveries still pending are on their way already and are not counted.',
      params: scope.itemParams,
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
      const accountId = await scope.accountOf({ ctx, params, principal });
      return { status: 200, body: await replay(ctx, accountId, callbackIdOf(params), body) };
    }),
  ];
}

export const publicCallbackRoutes = callbackRoutes(publicScope);
export const adminCallbackRoutes = callbackRoutes(adminScope);
