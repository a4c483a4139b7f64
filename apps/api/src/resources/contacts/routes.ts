import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { presentContact } from './presenter';
import { contactListQuerySchema, contactListSchema, contactParams, contactSchema, updateContactSchema } from './schema';
import { listContacts, requireContact, updateContact } from './service';

export const contactRoutes = [
  defineRoute({
    method: 'get',
    path: '/contacts',
    auth: 'api_key',
    tag: 'Contacts',
    operationId: 'listContacts',
    summary: 'The customers who wrote to your numbers (or opted out), newest first',
    description:
      'A contact is recorded when a customer writes to one of your numbers (their WhatsApp profile name and Meta user id come from that message), ' +
      'or when Meta reports they stopped marketing (131050). Filter by `opted_out`, `tag` or `number`. Pages of at most 200; follow `next_cursor` until it is null.',
    query: contactListQuerySchema,
    responses: { 200: { description: 'A page of contacts', schema: contactListSchema } },
  }).handle(async ({ ctx, query, principal }) => ({ status: 200, body: await listContacts(ctx, principal, query) })),
  defineRoute({
    method: 'get',
    path: '/contacts/:id',
    auth: 'api_key',
    tag: 'Contacts',
    operationId: 'getContact',
    summary: 'One contact',
    params: contactParams,
    responses: { 200: { description: 'The contact', schema: contactSchema } },
    errors: ['contact_not_found'],
  }).handle(async ({ ctx, params, principal }) => ({
    status: 200,
    body: presentContact(await requireContact(ctx, principal, params.id)),
  })),
  defineRoute({
    method: 'patch',
    path: '/contacts/:id',
    auth: 'api_key',
    tag: 'Contacts',
    operationId: 'updateContact',
    summary: "Set a contact's tags and attributes, or opt them out of (or back into) marketing",
    description:
      '`tags` replaces the tags; `attributes` is merged (null removes a key). `opted_out: true` stops MARKETING templates to them (reason `manual`; ' +
      'one already opted out keeps its first reason and time); `false` opts them back in. A customer opts out themselves with a STOP reply and back in with START.',
    params: contactParams,
    body: {
      schema: updateContactSchema,
      limit: BODY_LIMITS.small,
      example: { tags: ['vip'], attributes: { city: 'Pune' }, opted_out: false },
    },
    responses: { 200: { description: 'Updated', schema: contactSchema } },
    errors: ['contact_not_found'],
  }).handle(async ({ ctx, params, body, principal }) => ({
    status: 200,
    body: await updateContact(ctx, principal, params.id, body),
  })),
];
