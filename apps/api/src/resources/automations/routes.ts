import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { adminScope, publicScope, type Scope } from '../scopes';
import { z } from '../../openapi/zod';
import { dryRun } from './evaluate';
import {
  automationEventListSchema,
  automationListSchema,
  automationIdParam,
  automationSchema,
  createAutomationSchema,
  createdAutomationSchema,
  deletedAutomationSchema,
  dryRunSchema,
  eventListQuerySchema,
  updateAutomationSchema,
} from './schema';
import {
  createAutomation,
  deleteAutomation,
  listAutomations,
  listEvents,
  requireAutomation,
  updateAutomation,
} from './service';
import { presentAutomation } from './presenter';

export const SHOPIFY_ORDER_EXAMPLE = {
  name: 'Shopify order confirmation',
  phone_number_id: '106540352242922',
  template_name: 'order_update',
  template_language: 'en_US',
  recipient: ['$.customer.phone', '$.shipping_address.phone', '$.billing_address.phone'],
  variables: [
    { type: 'body', values: [{ path: '$.customer.first_name', format: 'first_word', default: 'there' }, '$.name'] },
  ],
  condition: { path: '$.financial_status', in: ['paid', 'pending', 'authorized'] },
  dedupe: '$.id',
  verify: { kind: 'hmac_sha256_base64', header: 'X-Shopify-Hmac-Sha256', secret: '<your Shopify app client secret>' },
};

const MAPPING_ERRORS = [
  'phone_number_not_found',
  'phone_number_not_allowed',
  'template_not_found',
  'variables_mismatch',
] as const;

function automationRoutes(scope: Scope) {
  const item = scope.item({
    collection: '/automations',
    publicName: 'id',
    adminName: 'automationId',
    param: automationIdParam,
  });
  const common = { auth: scope.auth, tag: 'Automations' as const };
  return [
    defineRoute({
      method: 'post',
      ...scope.collection('/automations'),
      ...common,
      operationId: scope.operation('create', 'Automation'),
      summary: "Map an external system's events to a template send; answers the hook URL (shown once)",
      description:
        'The sender must be one of your numbers (and allowed for this key) and the template must exist in your account (it may still be under review: ' +
        'sends then record template_not_approved). Each path is checked as a JSONPath (member names, indexes, `*`, `..`; no filters or scripts: 400), ' +
        "and the variables are checked against the template's placeholders as send-message checks them, with a sample standing in for each path (422 `variables_mismatch` naming them). " +
        'The answer carries `url`, the hook URL with its secret token: it is shown only here (Dak keeps its SHA-256); delete and re-create the automation to get a new one. ' +
        'Each call to the URL is stored, then sent through the same path as send-message (held from the wallet, client_reference = the event id), ' +
        "or recorded with its reason (condition_false, field_missing, field_invalid, duplicate, automation_disabled, or the send path's error code such as " +
        'invalid_phone_number, template_not_approved, insufficient_funds). A dedupe value that already became a message sends nothing more, however often or concurrently it is redelivered.',
      body: {
        schema: createAutomationSchema,
        limit: BODY_LIMITS.automation,
        component: 'CreateAutomationRequest',
        example: SHOPIFY_ORDER_EXAMPLE,
      },
      responses: { 201: { description: 'Created; `url` is shown only now', schema: createdAutomationSchema } },
      errors: [...scope.errors, ...MAPPING_ERRORS],
    }).handle(async ({ ctx, params, body, principal }) => ({
      status: 201,
      body: await createAutomation(ctx, await scope.principalOf({ ctx, params, principal }), body),
    })),
    defineRoute({
      method: 'get',
      ...scope.collection('/automations'),
      ...common,
      operationId: scope.operation('list', 'Automations'),
      summary: "The account's automations (without their hook tokens or secrets)",
      responses: { 200: { description: 'The automations', schema: automationListSchema } },
      errors: scope.errors,
    }).handle(async ({ ctx, params, principal }) => ({
      status: 200,
      body: await listAutomations(ctx, await scope.principalOf({ ctx, params, principal })),
    })),
    defineRoute({
      method: 'get',
      path: item.path,
      ...common,
      operationId: scope.operation('get', 'Automation'),
      summary: 'One automation',
      params: item.params,
      responses: { 200: { description: 'The automation', schema: automationSchema } },
      errors: [...scope.errors, 'automation_not_found'],
    }).handle(async ({ ctx, params, principal }) => ({
      status: 200,
      body: presentAutomation(
        await requireAutomation(ctx, await scope.principalOf({ ctx, params, principal }), item.idOf(params)),
      ),
    })),
    defineRoute({
      method: 'patch',
      path: item.path,
      ...common,
      operationId: scope.operation('update', 'Automation'),
      summary: 'Change an automation; `{"enabled": false}` disables it',
      description:
        'Give any of the creation fields. A new sender, template or variables are checked as at creation. `condition` or `verify` null removes it. ' +
        'A disabled automation still stores the events its URL receives, each skipped with reason automation_disabled. The hook URL does not change.',
      params: item.params,
      body: { schema: updateAutomationSchema, limit: BODY_LIMITS.automation, example: { enabled: false } },
      responses: { 200: { description: 'Updated', schema: automationSchema } },
      errors: [...scope.errors, 'automation_not_found', ...MAPPING_ERRORS],
    }).handle(async ({ ctx, params, body, principal }) => ({
      status: 200,
      body: await updateAutomation(ctx, await scope.principalOf({ ctx, params, principal }), item.idOf(params), body),
    })),
    defineRoute({
      method: 'delete',
      path: item.path,
      ...common,
      operationId: scope.operation('delete', 'Automation'),
      summary: 'Delete an automation and its events; its URL answers 401 from then on',
      params: item.params,
      responses: { 200: { description: 'Deleted', schema: deletedAutomationSchema } },
      errors: [...scope.errors, 'automation_not_found'],
    }).handle(async ({ ctx, params, principal }) => ({
      status: 200,
      body: await deleteAutomation(ctx, await scope.principalOf({ ctx, params, principal }), item.idOf(params)),
    })),
    defineRoute({
      method: 'get',
      path: `${item.path}/events`,
      ...common,
      operationId: scope.operation('list', 'AutomationEvents'),
      summary: 'What came to the hook and what it became, newest first',
      description: 'Pages of at most 200 events; follow `next_cursor` until it is null.',
      params: item.params,
      query: eventListQuerySchema,
      responses: { 200: { description: 'A page of events', schema: automationEventListSchema } },
      errors: [...scope.errors, 'automation_not_found'],
    }).handle(async ({ ctx, params, query, principal }) => ({
      status: 200,
      body: await listEvents(ctx, await scope.principalOf({ ctx, params, principal }), item.idOf(params), query),
    })),
    defineRoute({
      method: 'post',
      path: `${item.path}/dry-run`,
      ...common,
      operationId: scope.operation('dryRun', 'Automation'),
      summary: 'What an event would send, without sending',
      description:
        'Post the JSON the external system would send. The answer is the message it would become (recipient, template, resolved variables, ' +
        "Meta's components, the rendered text and the price) or the reason it would not, including a dedupe value that already sent and a wallet that " +
        'cannot cover it now. Nothing is held, stored or sent.',
      params: item.params,
      body: {
        schema: z.unknown().openapi({ description: 'The event, as the external system sends it' }),
        limit: BODY_LIMITS.hookEvent,
        raw: true,
      },
      responses: { 200: { description: 'What the event would become', schema: dryRunSchema } },
      errors: [...scope.errors, 'automation_not_found'],
    }).handle(async ({ ctx, params, body, principal }) => ({
      status: 200,
      body: await dryRun(
        ctx,
        await requireAutomation(ctx, await scope.principalOf({ ctx, params, principal }), item.idOf(params)),
        body,
      ),
    })),
  ];
}

export const publicAutomationRoutes = automationRoutes(publicScope);
export const adminAutomationRoutes = automationRoutes(adminScope);
