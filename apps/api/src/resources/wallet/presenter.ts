import type { z } from 'zod';
import { formatMinor } from '@dak/core';
import type { listLedger, Wallet } from '@dak/db';
import type { adminWalletSchema, ledgerEntrySchema, publicWalletSchema } from './schema';

/** The admin view: every total of the ledger. */
export function presentWallet(wallet: Wallet): z.infer<typeof adminWalletSchema> {
  return {
    currency: wallet.currency,
    available: formatMinor(wallet.available),
    held: formatMinor(wallet.held),
    captured: formatMinor(wallet.captured),
    refunded: formatMinor(wallet.refunded),
    topped_up: formatMinor(wallet.topped_up),
    debt: formatMinor(wallet.debt),
    low_balance_threshold: formatMinor(wallet.low_balance_threshold_minor),
  };
}

/** The account's view: what it has and what it may spend. */
export function presentPublicWallet(wallet: Wallet): z.infer<typeof publicWalletSchema> {
  return {
    success: true,
    currency: wallet.currency,
    balance: formatMinor(wallet.available + wallet.held - wallet.debt),
    held: formatMinor(wallet.held),
    available: formatMinor(wallet.available),
    debt: formatMinor(wallet.debt),
    low_balance_threshold: formatMinor(wallet.low_balance_threshold_minor),
  };
}

type LedgerRow = Awaited<ReturnType<typeof listLedger>>[number];

export function presentLedgerEntry(row: LedgerRow): z.infer<typeof ledgerEntrySchema> {
  return {
    id: Number(row.id),
    kind: row.kind,
    amount: formatMinor(row.amount_minor),
    message_id: row.message_id,
    reference: row.reference,
    reason: row.reason,
    created_at: row.created_at.toISOString(),
  };
}
