import { listPhoneNumbers } from '@dak/db';
import { BODY_LIMITS } from '../../http/body-limits';
import { defineRoute } from '../../http/route';
import { accountParams } from '../accounts/schema';
import { requireAccount } from '../accounts/service';
import { presentPhoneNumber } from './presenter';
import {
  createPhoneNumberSchema,
  phoneNumberListSchema,
  phoneNumberParams,
  phoneNumberSchema,
  updatePhoneNumberSchema,
} from './schema';
import { addPhoneNumber, changePhoneNumber } from './service';

export const phoneNumberRoutes = [
  defineRoute({
    method: 'post',
    path: '/accounts/:id/phone-numbers',
    auth: 'admin',
    operationId: 'addPhoneNumber',
    summary: 'Register a sending phone number and its Meta access token',
    description: 'The access token is encrypted at rest and never returned.',
    params: accountParams,
    body: {
      schema: createPhoneNumberSchema,
      limit: BODY_LIMITS.small,
      example: {
        phone_number_id: '106540352242922',
        display_phone_number: '15550783881',
        access_token: 'EAAG…',
        mps: 80,
      },
    },
    responses: { 201: { description: 'Registered', schema: phoneNumberSchema } },
    errors: ['account_not_found', 'phone_number_exists'],
  }).handle(async ({ ctx, params, body }) => ({
    status: 201,
    body: presentPhoneNumber(await addPhoneNumber(ctx, params.id, body)),
  })),
  defineRoute({
    method: 'get',
    path: '/accounts/:id/phone-numbers',
    auth: 'admin',
    operationId: 'listPhoneNumbers',
    summary: "The account's phone numbers",
    params: accountParams,
    responses: { 200: { description: 'The phone numbers', schema: phoneNumberListSchema } },
    errors: ['account_not_found'],
  }).handle(async ({ ctx, params }) => {
    await requireAccount(ctx, params.id);
    return {
      status: 200,
      body: { phone_numbers: (await listPhoneNumbers(ctx.db, params.id)).map(presentPhoneNumber) },
    };
  }),
  defineRoute({
    method: 'patch',
    path: '/phone-numbers/:id',
    auth: 'admin',
    operationId: 'updatePhoneNumber',
    summary: "Change a number's display number, messages-per-second limit or access token",
    description:
      'Give any of `display_phone_number`, `access_token`, `mps` (at least one). A rotated access token is encrypted at rest like the first ' +
      'and never returned. A new `mps` applies within a second, to the backlog too (the dispatcher reads it every tick); ' +
      "workers keep a number's token for up to 30 s, so a rotated one reaches every send within that time: " +
      'register the new token with Meta before rotating it here, and revoke the old one after.',
    params: phoneNumberParams,
    body: { schema: updatePhoneNumberSchema, limit: BODY_LIMITS.small, example: { access_token: 'EAAG…', mps: 250 } },
    responses: { 200: { description: 'Updated', schema: phoneNumberSchema } },
    errors: ['phone_number_not_found'],
  }).handle(async ({ ctx, params, body }) => ({
    status: 200,
    body: presentPhoneNumber(await changePhoneNumber(ctx, params.id, body)),
  })),
];
