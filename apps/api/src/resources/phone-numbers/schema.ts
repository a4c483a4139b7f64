import { timestampSchema } from '../../openapi/common';
import { nothingToChange } from '../requests';
import { z } from '../../openapi/zod';

// Answers, as documented schemas; the presenters return exactly these types.

export const phoneNumberSchema = z
  .object({
    id: z.string().openapi({ example: 'pn_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    account_id: z.string(),
    phone_number_id: z.string().openapi({ example: '106540352242922' }),
    display_phone_number: z.string().openapi({ example: '15550783881' }),
    mps: z.number().int().openapi({ description: 'Messages per second Meta allows this number', example: 80 }),
    created_at: timestampSchema,
  })
  .openapi('PhoneNumber');

export const phoneNumberListSchema = z.object({ phone_numbers: z.array(phoneNumberSchema) }).openapi('PhoneNumberList');

// Requests.

export const createPhoneNumberSchema = z.object({
  phone_number_id: z.string().regex(/^\d{5,20}$/, "Meta's phone number id: digits"),
  display_phone_number: z.string().trim().min(5).max(32),
  access_token: z.string().min(10, 'the access token Meta issued for this number'),
  mps: z.number().int().min(1).max(1000).optional(),
});

export const updatePhoneNumberSchema = createPhoneNumberSchema
  .pick({ display_phone_number: true, access_token: true, mps: true })
  .partial()
  .refine((body) => Object.keys(body).length > 0, nothingToChange(['display_phone_number', 'access_token', 'mps']));

export const phoneNumberParams = z.object({
  id: z.string().openapi({
    param: { description: "The number's id (`pn_…`) or its Meta phone_number_id" },
    example: '106540352242922',
  }),
});
