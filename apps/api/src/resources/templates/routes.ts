import { DakError, describeTemplate } from '@dak/core';
import { findTemplate, listTemplates } from '@dak/db';
import { defineRoute } from '../../http/route';
import { accountParams } from '../accounts/schema';
import { requireAccount } from '../accounts/service';
import { presentTemplate } from './presenter';
import {
  adminTemplateListSchema,
  templateDescriptionSchema,
  templateFilterSchema,
  templateIdParams,
  templateListSchema,
  templateSyncResultSchema,
} from './schema';
import { syncTemplates, toMetaTemplate } from './service';

export const publicTemplateRoutes = [
  defineRoute({
    method: 'get',
    path: '/get-template-by-id/:template_id',
    auth: 'api_key',
    tag: 'Templates',
    operationId: 'getTemplateById',
    summary: 'A template, its placeholders, and ready-to-send variables',
    description:
      "The template as synced from Meta, what each part takes (header, body, buttons) with Meta's examples, and a `variables` " +
      'array built from those examples that send-message accepts as is.',
    params: templateIdParams,
    responses: { 200: { description: 'The template', schema: templateDescriptionSchema } },
    errors: ['template_not_found'],
  }).handle(async ({ ctx, params, principal }) => {
    const template = await findTemplate(ctx.db, principal.accountId, params.template_id);
    if (!template) {
      throw new DakError(
        'template_not_found',
        `No template "${params.template_id}". Use the Meta id of one of your account's templates.`,
      );
    }
    const { variables, ...placeholders } = describeTemplate(toMetaTemplate(template));
    return { status: 200, body: { success: true, template: presentTemplate(template), placeholders, variables } };
  }),
  defineRoute({
    method: 'get',
    path: '/templates',
    auth: 'api_key',
    tag: 'Templates',
    operationId: 'listTemplates',
    summary: "The account's templates",
    description:
      'Filters match exactly: `name` and `language` (a name is unique per language), `status` one or several separated by commas.',
    query: templateFilterSchema,
    responses: { 200: { description: 'The templates', schema: templateListSchema } },
  }).handle(async ({ ctx, query, principal }) => {
    const templates = await listTemplates(ctx.db, principal.accountId, query);
    return { status: 200, body: { success: true, templates: templates.map(presentTemplate) } };
  }),
];

export const adminTemplateRoutes = [
  defineRoute({
    method: 'post',
    path: '/accounts/:id/templates/sync',
    auth: 'admin',
    operationId: 'syncTemplates',
    summary: "Fetch the WABA's templates from Meta now",
    description:
      'Templates Meta no longer lists are kept with status DELETED. The worker also syncs every account periodically.',
    params: accountParams,
    responses: { 200: { description: 'Synced', schema: templateSyncResultSchema } },
    errors: ['no_access_token', 'meta_refused', 'foreign_next_page', 'account_not_found'],
  }).handle(async ({ ctx, params }) => ({ status: 200, body: await syncTemplates(ctx, params.id) })),
  defineRoute({
    method: 'get',
    path: '/accounts/:id/templates',
    auth: 'admin',
    operationId: 'listAccountTemplates',
    summary: "The account's stored templates",
    params: accountParams,
    responses: { 200: { description: 'The templates', schema: adminTemplateListSchema } },
    errors: ['account_not_found'],
  }).handle(async ({ ctx, params }) => {
    await requireAccount(ctx, params.id);
    return { status: 200, body: { templates: (await listTemplates(ctx.db, params.id)).map(presentTemplate) } };
  }),
];
