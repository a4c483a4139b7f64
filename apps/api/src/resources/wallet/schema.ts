import { MAX_TOPUP_MINOR, parseDecimalToMinor } from '@dak/core';
import { moneySchema, nextBeforeSchema, timestampSchema } from '../../openapi/common';
import { z } from '../../openapi/zod';
import { decimal, idPageQuery } from '../requests';

// Answers, as documented schemas; the presenters return exactly these types.

export const publicWalletSchema = z
  .object({
    success: z.literal(true),
    currency: z.string().openapi({ example: 'INR' }),
    balance: moneySchema.openapi({ description: 'available + held − debt', example: '500.00' }),
    held: moneySchema.openapi({ description: 'Held for messages Meta has not taken yet', example: '0.20' }),
    available: moneySchema.openapi({ description: 'What new sends can use', example: '499.80' }),
    debt: moneySchema.openapi({
      description:
        'What deliveries reported after their credit was returned took beyond the balance. While it is above zero, new sends are refused with 402; a top-up pays it first.',
      example: '0.00',
    }),
    low_balance_threshold: moneySchema.openapi({
      description:
        'When available − debt falls below this, a `wallet.low_balance` callback is sent, once per dip (again after a top-up lifts it back). Set with PATCH /wallet.',
      example: '100.00',
    }),
  })
  .openapi('Wallet');

export const adminWalletSchema = z
  .object({
    currency: z.string().openapi({ example: 'INR' }),
    available: moneySchema,
    held: moneySchema,
    captured: moneySchema,
    refunded: moneySchema,
    topped_up: moneySchema.openapi({ description: 'topped_up = available − debt + held + captured − refunded' }),
    debt: moneySchema.openapi({
      description:
        'Owed after late deliveries took more than the balance; a top-up pays it first; sends are refused while it is above zero',
    }),
    low_balance_threshold: moneySchema.openapi({
      description:
        'When available − debt falls below this, a `wallet.low_balance` callback is sent, once per dip (again after a top-up lifts it back). Set with PATCH /wallet.',
      example: '100.00',
    }),
  })
  .openapi('AccountWallet');

export const topUpResultSchema = z
  .object({
    replayed: z
      .boolean()
      .openapi({ description: 'true when this reference was already applied (nothing credited twice)' }),
    wallet: adminWalletSchema,
  })
  .openapi('TopUpResult');

export const ledgerEntrySchema = z
  .object({
    id: z.number().int().openapi({ description: 'Increasing with time; the paging cursor', example: 4211 }),
    kind: z.enum(['topup', 'hold', 'capture', 'release', 'refund', 'refund_reversal', 'waive']).openapi({
      description:
        "topup credits; hold reserves a message's price on accept; capture when Meta takes it; release returns a hold that never reached Meta; refund returns a captured charge of a failed message; refund_reversal takes a refund back when a delivery arrives late; waive returns a hold or a capture of a message Meta reported free, when the account does not charge those (`reason` says which)",
    }),
    amount: moneySchema.openapi({ description: 'Always positive; `kind` says which way it moved', example: '0.10' }),
    message_id: z.string().nullable().openapi({
      description: 'The message this entry is for; null for a top-up',
      example: 'msg_01JQ8Z6K2R9V4T3N5B7C8D9E0F',
    }),
    reference: z.string().nullable().openapi({ description: "A top-up's reference; null otherwise", example: null }),
    reason: z.string().nullable().openapi({
      description:
        "Why a `waive` was made: `meta_free_customer_service` or `meta_free_entry_point` (Meta's pricing type); null for other kinds",
      example: null,
    }),
    created_at: timestampSchema,
  })
  .openapi('LedgerEntry');

export const ledgerPageSchema = z
  .object({
    entries: z.array(ledgerEntrySchema).openapi({ description: 'Newest first' }),
    next_before: nextBeforeSchema(4162),
  })
  .openapi('LedgerPage');

// Requests.

export const topUpSchema = z.object({
  amount: decimal('amount', MAX_TOPUP_MINOR).refine(
    (v) => (parseDecimalToMinor(v) ?? 0n) > 0n,
    'amount must be more than zero',
  ),
  reference: z.string().trim().min(1).max(200),
});

export const walletSettingsSchema = z
  .object({
    low_balance_threshold: decimal('low_balance_threshold', MAX_TOPUP_MINOR).openapi({
      description: 'A decimal string; with "0.00" the alert comes only when the account is in debt',
      example: '250.00',
    }),
  })
  .strict();

export const ledgerQuerySchema = z.object(idPageQuery('an entry id'));
