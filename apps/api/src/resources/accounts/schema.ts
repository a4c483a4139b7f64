import { MAX_PRICE_MINOR } from '@dak/core';
import { moneySchema, timestampSchema } from '../../openapi/common';
import { z } from '../../openapi/zod';
import { adminWalletSchema } from '../wallet/schema';
import { decimal, nothingToChange } from '../requests';

/** Meta's tiers: unique users per rolling 24 h per business portfolio, or unlimited. */
export const messagingTierSchema = z.union(
  [z.literal(250), z.literal(2_000), z.literal(10_000), z.literal(100_000), z.literal('unlimited')],
  { error: 'messaging_tier must be one of Meta\'s tiers: 250, 2000, 10000, 100000 or "unlimited"' },
);

// Answers, as documented schemas; the presenters return exactly these types.

export const accountSchema = z
  .object({
    id: z.string().openapi({ example: 'acc_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
    name: z.string().openapi({ example: 'Demo Store' }),
    waba_id: z.string().openapi({ example: '102290129340398' }),
    currency: z.string().openapi({ example: 'INR' }),
    price: moneySchema.openapi({ description: 'Default price of a message' }),
    category_prices: z.record(z.string(), moneySchema).openapi({
      description: 'Prices by template category, where they differ from `price`',
      example: { MARKETING: '0.20' },
    }),
    session_price: moneySchema.openapi({
      description:
        "Price of a session message (a free-form reply inside the customer's 24-hour window, POST /send-session-message); " +
        '"0.00" by default, as Meta has not charged service messages since November 2024',
      example: '0.00',
    }),
    requests_per_second: z.number().int().nullable().openapi({
      description:
        "Requests per second over all the account's keys together; null = no account-wide limit (each key keeps its own)",
      example: null,
    }),
    charge_free_messages: z.boolean().openapi({
      description:
        'Whether Dak charges a message Meta reports free (pricing type free_customer_service or free_entry_point). ' +
        "false (the default): such a message's hold is released, or its capture given back, as a `waive` ledger entry whose reason names Meta's type",
      example: false,
    }),
    messaging_tier: messagingTierSchema.openapi({
      description:
        "Meta's messaging limit of the account's business portfolio: unique users it may reach per rolling 24 hours, or `unlimited`. " +
        'Dak refuses a send or batch whose new recipients exceed what is left (422 `messaging_limit_exceeded`). ' +
        "The worker reads it from Meta (each number's `messaging_limit_tier`) periodically and POST /accounts/{id}/messaging-tier/sync reads it now; " +
        "Meta's report replaces a tier set by hand, which stays only until Meta reports one.",
      example: 'unlimited',
    }),
    messaging_tier_source: z.enum(['default', 'admin', 'meta']).openapi({
      description:
        'Where `messaging_tier` came from: `meta` (read from Meta, see `messaging_tier_synced_at`), `admin` (set with PATCH /accounts/{id}; ' +
        'the next read from Meta replaces it) or `default` (never set: unlimited)',
      example: 'meta',
    }),
    messaging_tier_synced_at: timestampSchema.nullable().openapi({
      description: 'When Dak last read the tier from Meta; null = never (no phone number, or Meta never answered)',
    }),
    created_at: timestampSchema,
    wallet: adminWalletSchema.optional().openapi({ description: 'Included by GET /accounts/{id}' }),
  })
  .openapi('Account');

export const messagingTierSyncSchema = z
  .object({
    account: accountSchema,
    changed: z.boolean().openapi({ description: 'Whether `messaging_tier` is now different from before' }),
    numbers: z
      .array(
        z.object({
          meta_phone_number_id: z.string().openapi({ example: '106540352242922' }),
          messaging_tier: messagingTierSchema.nullable().openapi({
            description: 'The tier Meta reported on this number; null when it gave none (see `error`)',
          }),
          error: z
            .object({ code: z.string(), message: z.string() })
            .nullable()
            .openapi({ description: "Why this number's tier could not be read; the other numbers' tier was used" }),
        }),
      )
      .openapi({ description: "What Meta answered for each of the account's phone numbers" }),
  })
  .openapi('MessagingTierSync');

export const accountListSchema = z.object({ accounts: z.array(accountSchema) }).openapi('AccountList');

// Requests.

export const createAccountSchema = z.object({
  name: z.string().trim().min(1).max(200),
  waba_id: z.string().regex(/^\d{5,20}$/, 'the WhatsApp Business Account id: digits'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as INR')
    .optional(),
  price: decimal('price', MAX_PRICE_MINOR).optional(),
  // partialRecord: zod 4's record over an enum would require every category.
  category_prices: z
    .partialRecord(z.enum(['MARKETING', 'UTILITY', 'AUTHENTICATION']), decimal('each category price', MAX_PRICE_MINOR))
    .optional(),
});

const accountRequestsPerSecond = z
  .number()
  .int('requests_per_second must be a whole number')
  .min(1, 'requests_per_second must be at least 1, or null for no account-wide limit')
  .max(100_000, 'requests_per_second must be at most 100000');

// A PATCH takes the create schema's own fields, each optional; an empty change is a 400.
export const updateAccountSchema = createAccountSchema
  .pick({ name: true, price: true, category_prices: true })
  .extend({
    requests_per_second: accountRequestsPerSecond.nullable(),
    charge_free_messages: z.boolean({ error: 'charge_free_messages must be true or false' }),
    messaging_tier: messagingTierSchema,
    session_price: decimal('session_price', MAX_PRICE_MINOR),
  })
  .partial()
  .refine(
    (body) => Object.keys(body).length > 0,
    nothingToChange([
      'name',
      'price',
      'category_prices',
      'requests_per_second',
      'charge_free_messages',
      'messaging_tier',
      'session_price',
    ]),
  );

export const accountParams = z.object({
  id: z
    .string()
    .openapi({ param: { description: "The account's id (`acc_…`)" }, example: 'acc_01JQ8Z6K2R9V4T3N5B7C8D9E0F' }),
});
