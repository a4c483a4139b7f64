import { z } from 'zod';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  encryptSecret,
  formatMinor,
  generateApiKey,
  hashApiKey,
  newId,
  parseDecimalToMinor,
  MAX_PRICE_MINOR,
  MAX_TOPUP_MINOR,
} from '@dak/core';
import {
  createWallet,
  findAccountById,
  findAccountByWabaId,
  findPhoneNumberByMetaId,
  findWallet,
  insertAccount,
  insertApiKey,
  findPhoneNumberById,
  insertPhoneNumber,
  listLedger,
  listPhoneNumbers,
  syncAccountTemplates,
  topUp,
  updateAccount as updateAccountRow,
  updateApiKey as updateApiKeyRow,
  updatePhoneNumber,
  type Account,
  type ApiKey,
  type PhoneNumber,
  type TemplateSyncResult,
  type Wallet,
} from '@dak/db';
import { fetchTemplateList } from '@dak/meta';
import type { ApiContext } from '../context';

const decimal = (what: string, maxMinor: number) =>
  z
    .string()
    .refine((v) => parseDecimalToMinor(v) !== null, `${what} must be a decimal string with at most 2 decimals, e.g. "0.10"`)
    .refine((v) => (parseDecimalToMinor(v) ?? 0n) <= BigInt(maxMinor), `${what} must be at most ${formatMinor(maxMinor)}`);

export const createAccountSchema = z.object({
  name: z.string().trim().min(1).max(200),
  waba_id: z.string().regex(/^\d{5,20}$/, 'the WhatsApp Business Account id: digits'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as INR').optional(),
  price: decimal('price', MAX_PRICE_MINOR).optional(),
  // partialRecord: zod 4's record over an enum would require every category.
  category_prices: z.partialRecord(z.enum(['MARKETING', 'UTILITY', 'AUTHENTICATION']), decimal('each category price', MAX_PRICE_MINOR)).optional(),
});

export const createPhoneNumberSchema = z.object({
  phone_number_id: z.string().regex(/^\d{5,20}$/, "Meta's phone number id: digits"),
  display_phone_number: z.string().trim().min(5).max(32),
  access_token: z.string().min(10, 'the access token Meta issued for this number'),
  mps: z.number().int().min(1).max(1000).optional(),
});

/** A key's limit; the account's may be higher, as it covers all its keys. */
const keyRequestsPerSecond = z
  .number()
  .int('requests_per_second must be a whole number')
  .min(1, 'requests_per_second must be at least 1')
  .max(10_000, 'requests_per_second must be at most 10000');
const accountRequestsPerSecond = z
  .number()
  .int('requests_per_second must be a whole number')
  .min(1, 'requests_per_second must be at least 1, or null for no account-wide limit')
  .max(100_000, 'requests_per_second must be at most 100000');

const nothingToChange = (fields: string[]) => ({
  message: `nothing to change: give at least one of ${fields.join(', ')}`,
});

// A PATCH takes the create schema's own fields, each optional; an empty change is a 400.
export const updateAccountSchema = createAccountSchema
  .pick({ name: true, price: true, category_prices: true })
  .extend({ requests_per_second: accountRequestsPerSecond.nullable() })
  .partial()
  .refine((body) => Object.keys(body).length > 0, nothingToChange(['name', 'price', 'category_prices', 'requests_per_second']));

export const updatePhoneNumberSchema = createPhoneNumberSchema
  .pick({ display_phone_number: true, access_token: true, mps: true })
  .partial()
  .refine((body) => Object.keys(body).length > 0, nothingToChange(['display_phone_number', 'access_token', 'mps']));

export const createApiKeySchema = z.object({
  name: z.string().trim().min(1).max(100),
  expires_at: z.iso.datetime({ offset: true }).optional(),
  phone_number_ids: z.array(z.string().regex(/^\d{5,20}$/)).min(1).optional(),
  requests_per_second: keyRequestsPerSecond.optional(),
});

export const updateApiKeySchema = createApiKeySchema
  .pick({ name: true, requests_per_second: true })
  .partial()
  .refine((body) => Object.keys(body).length > 0, nothingToChange(['name', 'requests_per_second']));

export const ledgerQuerySchema = z.object({
  limit: z.coerce.number().int('limit must be a whole number').min(1).max(500).default(50),
  before: z.coerce.number().int('before must be an entry id').positive('before must be an entry id').optional(),
});

export const topUpSchema = z.object({
  amount: decimal('amount', MAX_TOPUP_MINOR).refine((v) => (parseDecimalToMinor(v) ?? 0n) > 0n, 'amount must be more than zero'),
  reference: z.string().trim().min(1).max(200),
});

const minor = (value: string) => Number(parseDecimalToMinor(value)!);
const minorPrices = (prices: Record<string, string>) => Object.fromEntries(Object.entries(prices).map(([k, v]) => [k, minor(v)]));

export function presentAccount(account: Account, wallet?: Wallet) {
  return {
    id: account.id,
    name: account.name,
    waba_id: account.waba_id,
    currency: account.currency,
    price: formatMinor(account.price_minor),
    category_prices: Object.fromEntries(Object.entries(account.category_prices).map(([k, v]) => [k, formatMinor(v)])),
    requests_per_second: account.requests_per_second,
    created_at: account.created_at.toISOString(),
    ...(wallet ? { wallet: presentWallet(wallet) } : {}),
  };
}

export function presentWallet(wallet: Wallet) {
  return {
    currency: wallet.currency,
    available: formatMinor(wallet.available),
    held: formatMinor(wallet.held),
    captured: formatMinor(wallet.captured),
    refunded: formatMinor(wallet.refunded),
    topped_up: formatMinor(wallet.topped_up),
    debt: formatMinor(wallet.debt),
  };
}

export function presentPhoneNumber(phone: PhoneNumber) {
  return {
    id: phone.id,
    account_id: phone.account_id,
    phone_number_id: phone.phone_number_id,
    display_phone_number: phone.display_phone_number,
    mps: phone.mps,
    created_at: phone.created_at.toISOString(),
  };
}

export async function requireAccount(ctx: ApiContext, id: string): Promise<Account> {
  const account = await findAccountById(ctx.db, id);
  if (!account) throw new NotFoundError(`No account "${id}".`, 'account_not_found');
  return account;
}

export async function createAccount(ctx: ApiContext, input: z.infer<typeof createAccountSchema>) {
  if (await findAccountByWabaId(ctx.db, input.waba_id)) {
    throw new ConflictError(`An account for WABA ${input.waba_id} already exists.`, 'account_exists');
  }
  const currency = input.currency ?? ctx.config.pricing.currency;
  return ctx.db.transaction().execute(async (trx) => {
    const account = await insertAccount(trx, {
      id: newId('acc'),
      name: input.name,
      waba_id: input.waba_id,
      currency,
      price_minor: input.price ? minor(input.price) : ctx.config.pricing.defaultPriceMinor,
      category_prices: minorPrices(input.category_prices ?? {}),
    });
    await createWallet(trx, account.id, currency);
    return account;
  });
}

export async function addPhoneNumber(ctx: ApiContext, accountId: string, input: z.infer<typeof createPhoneNumberSchema>) {
  await requireAccount(ctx, accountId);
  if (await findPhoneNumberByMetaId(ctx.db, input.phone_number_id)) {
    throw new ConflictError(`Phone number id ${input.phone_number_id} is already registered.`, 'phone_number_exists');
  }
  return insertPhoneNumber(ctx.db, {
    id: newId('pn'),
    account_id: accountId,
    phone_number_id: input.phone_number_id,
    display_phone_number: input.display_phone_number,
    access_token_encrypted: encryptSecret(input.access_token, ctx.config.encryptionKey),
    mps: input.mps ?? 80,
  });
}

/**
 * A new price applies to messages accepted from now on: each message keeps the price it was
 * held at. `category_prices` replaces the whole map (`{}` removes every category price).
 */
export async function updateAccount(ctx: ApiContext, id: string, input: z.infer<typeof updateAccountSchema>): Promise<Account> {
  await requireAccount(ctx, id);
  const updated = await updateAccountRow(ctx.db, id, {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.price !== undefined ? { price_minor: minor(input.price) } : {}),
    ...(input.category_prices ? { category_prices: minorPrices(input.category_prices) } : {}),
    ...(input.requests_per_second !== undefined ? { requests_per_second: input.requests_per_second } : {}),
  });
  if (!updated) throw new NotFoundError(`No account "${id}".`, 'account_not_found');
  return updated;
}

/** By Dak's id (`pn_…`) or Meta's phone_number_id. */
export async function requirePhoneNumber(ctx: ApiContext, id: string): Promise<PhoneNumber> {
  const phone = (await findPhoneNumberById(ctx.db, id)) ?? (/^\d+$/.test(id) ? await findPhoneNumberByMetaId(ctx.db, id) : undefined);
  if (!phone) throw new NotFoundError(`No phone number "${id}". Use its id (pn_…) or Meta's phone_number_id.`, 'phone_number_not_found');
  return phone;
}

/** A rotated access token is encrypted like the first one and never returned. */
export async function changePhoneNumber(ctx: ApiContext, id: string, input: z.infer<typeof updatePhoneNumberSchema>): Promise<PhoneNumber> {
  const phone = await requirePhoneNumber(ctx, id);
  const updated = await updatePhoneNumber(ctx.db, phone.id, {
    ...(input.display_phone_number !== undefined ? { display_phone_number: input.display_phone_number } : {}),
    ...(input.access_token !== undefined ? { access_token_encrypted: encryptSecret(input.access_token, ctx.config.encryptionKey) } : {}),
    ...(input.mps !== undefined ? { mps: input.mps } : {}),
  });
  if (!updated) throw new NotFoundError(`No phone number "${id}".`, 'phone_number_not_found');
  return updated;
}

/** The key is returned once, here; only its hash is stored. */
export async function createApiKey(ctx: ApiContext, accountId: string, input: z.infer<typeof createApiKeySchema>) {
  await requireAccount(ctx, accountId);
  if (input.phone_number_ids) {
    const own = new Set((await listPhoneNumbers(ctx.db, accountId)).map((p) => p.phone_number_id));
    const unknown = input.phone_number_ids.filter((id) => !own.has(id));
    if (unknown.length > 0) throw new BadRequestError(`phone_number_ids not in this account: ${unknown.join(', ')}`, { unknown });
  }
  const { key, prefix } = generateApiKey();
  const row = await insertApiKey(ctx.db, {
    id: newId('key'),
    account_id: accountId,
    name: input.name,
    prefix,
    key_hash: hashApiKey(key),
    phone_number_ids: input.phone_number_ids ?? null,
    expires_at: input.expires_at ? new Date(input.expires_at) : null,
    ...(input.requests_per_second !== undefined ? { requests_per_second: input.requests_per_second } : {}),
  });
  return { ...presentApiKey(row), key };
}

/** A new limit applies from the key's next request: each request reads the key again. */
export async function updateApiKey(ctx: ApiContext, id: string, input: z.infer<typeof updateApiKeySchema>) {
  const updated = await updateApiKeyRow(ctx.db, id, input);
  if (!updated) throw new NotFoundError(`No API key "${id}".`, 'api_key_not_found');
  return presentApiKey(updated);
}

export function presentApiKey(row: ApiKey) {
  return {
    id: row.id,
    account_id: row.account_id,
    name: row.name,
    prefix: row.prefix,
    phone_number_ids: row.phone_number_ids,
    requests_per_second: row.requests_per_second,
    expires_at: row.expires_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    last_used_at: row.last_used_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

export async function applyTopUp(ctx: ApiContext, accountId: string, input: z.infer<typeof topUpSchema>) {
  await requireAccount(ctx, accountId);
  const amount = minor(input.amount);
  const result = await ctx.db.transaction().execute((trx) => topUp(trx, accountId, amount, input.reference));
  if (result.outcome === 'conflict') {
    throw new ConflictError(
      `Reference "${input.reference}" was already used for a top-up of ${formatMinor(result.amountMinor)}. Use a new reference for a new top-up.`,
      'topup_reference_reused',
    );
  }
  return { replayed: result.outcome === 'replayed', wallet: presentWallet(result.wallet) };
}

export async function walletOf(ctx: ApiContext, accountId: string) {
  await requireAccount(ctx, accountId);
  return presentWallet((await findWallet(ctx.db, accountId))!);
}

/** Newest first; `next_before` is the cursor for the next page, null on the last one. */
export async function ledgerOf(ctx: ApiContext, accountId: string, query: z.infer<typeof ledgerQuerySchema>) {
  await requireAccount(ctx, accountId);
  const rows = await listLedger(ctx.db, accountId, { limit: query.limit + 1, ...(query.before !== undefined ? { before: query.before } : {}) });
  const page = rows.slice(0, query.limit);
  return {
    entries: page.map((row) => ({
      id: Number(row.id),
      kind: row.kind,
      amount: formatMinor(row.amount_minor),
      message_id: row.message_id,
      reference: row.reference,
      created_at: row.created_at.toISOString(),
    })),
    next_before: rows.length > query.limit ? Number(page.at(-1)!.id) : null,
  };
}

/** Fetches every template of the account's WABA from the Cloud API and stores them (see syncAccountTemplates). */
export async function syncTemplates(ctx: ApiContext, accountId: string): Promise<TemplateSyncResult> {
  try {
    return await syncAccountTemplates(ctx.db, (wabaId, token) => fetchTemplateList(ctx.graph, wabaId, token), ctx.config.encryptionKey, accountId);
  } catch (error) {
    if (error instanceof ServiceUnavailableError) ctx.logger.warn({ err: error.cause ?? error, accountId }, 'template sync failed');
    throw error;
  }
}
