import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { adminScope, publicScope, type Scope } from '../scopes';
import { presentContact } from './presenter';
import {
  contactIdParam,
  contactListQuerySchema,
  contactListSchema,
  contactSchema,
  updateContactSchema,
} from './schema';
import { listContacts, requireContact, updateContact } from './service';

function contactRoutes(scope: Scope) {
  const item = scope.item({ collection: '/contacts', publicName: 'id', adminName: 'contactId', param: contactIdParam });
  const common = { auth: scope.auth, tag: 'Contacts' as const };
  return [
    defineRoute({
      ...common,
      method: 'get',
      ...scope.collection('/contacts'),
      operationId: scope.operation('list', 'Contacts'),
      summary: 'The customers who wrote to your numbers (or opted out), newest first',
      description:
        'A contact is recorded when a customer writes to one of your numbers (their WhatsApp profile name and Meta user id come from that message), ' +
        'or when Meta reports they stopped marketing (131050). Filter by `opted_out`, `tag` or `number`. Pages of at most 200; follow `next_cursor` until it is null.',
      query: contactListQuerySchema,
      responses: { 200: { description: 'A page of contacts', schema: contactListSchema } },
      errors: scope.errors,
    }).handle(async ({ ctx, params, query, principal }) => ({
      status: 200,
      body: await listContacts(ctx, await scope.principalOf({ ctx, params, principal }), query),
    })),
    defineRoute({
      ...common,
      method: 'get',
      path: item.path,
      operationId: scope.operation('get', 'Contact'),
      summary: 'One contact',
      params: item.params,
      responses: { 200: { description: 'The contact', schema: contactSchema } },
      errors: [...scope.errors, 'contact_not_found'],
    }).handle(async ({ ctx, params, principal }) => ({
      status: 200,
      body: presentContact(
        await requireContact(ctx, await scope.principalOf({ ctx, params, principal }), item.idOf(params)),
      ),
    })),
    defineRoute({
      ...common,
      method: 'patch',
      path: item.path,
      operationId: scope.operation('update', 'Contact'),
      summary: "Set a contact's tags and attributes, or opt them out of (or back into) marketing",
      description:
        '`tags` replaces the tags; `attributes` is merged (null removes a key). `opted_out: true` stops MARKETING templates to them (reason `manual`; ' +
        'one already opted out keeps its first reason and time); `false` opts them back in. A customer opts out themselves with a STOP reply and back in with START.',
      params: item.params,
      body: {
        schema: updateContactSchema,
        limit: BODY_LIMITS.small,
        example: { tags: ['vip'], attributes: { city: 'Pune' }, opted_out: false },
      },
      responses: { 200: { description: 'Updated', schema: contactSchema } },
      errors: [...scope.errors, 'contact_not_found'],
    }).handle(async ({ ctx, params, body, principal }) => ({
      status: 200,
      body: await updateContact(ctx, await scope.principalOf({ ctx, params, principal }), item.idOf(params), body),
    })),
  ];
}

export const publicContactRoutes = contactRoutes(publicScope);
export const adminContactRoutes = contactRoutes(adminScope);
