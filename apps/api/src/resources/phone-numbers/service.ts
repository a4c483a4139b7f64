import type { z } from 'zod';
import { DakError, encryptSecret, newId } from '@dak/core';
import {
  findPhoneNumberById,
  findPhoneNumberByMetaId,
  insertPhoneNumber,
  updatePhoneNumber,
  type PhoneNumber,
} from '@dak/db';
import type { ApiContext } from '../../context';
import type { Principal } from '../../http/auth';
import { requireAccount } from '../accounts/service';
import type { createPhoneNumberSchema, updatePhoneNumberSchema } from './schema';

export async function addPhoneNumber(
  ctx: ApiContext,
  accountId: string,
  input: z.infer<typeof createPhoneNumberSchema>,
) {
  await requireAccount(ctx, accountId);
  if (await findPhoneNumberByMetaId(ctx.db, input.phone_number_id)) {
    throw new DakError('phone_number_exists', `Phone number id ${input.phone_number_id} is already registered.`);
  }
  return insertPhoneNumber(ctx.db, {
    id: newId('pn'),
    account_id: accountId,
    meta_phone_number_id: input.phone_number_id,
    display_phone_number: input.display_phone_number,
    access_token_encrypted: encryptSecret(input.access_token, ctx.config.encryptionKey),
    mps: input.mps ?? 80,
  });
}

/** By Dak's id (`pn_…`) or Meta's phone_number_id. */
export async function requirePhoneNumber(ctx: ApiContext, id: string): Promise<PhoneNumber> {
  const phone =
    (await findPhoneNumberById(ctx.db, id)) ??
    (/^\d+$/.test(id) ? await findPhoneNumberByMetaId(ctx.db, id) : undefined);
  if (!phone)
    throw new DakError(
      'phone_number_not_found',
      `No phone number "${id}". Use its id (pn_…) or Meta's phone_number_id.`,
    );
  return phone;
}

/** A rotated access token is encrypted like the first one and never returned. */
export async function changePhoneNumber(
  ctx: ApiContext,
  id: string,
  input: z.infer<typeof updatePhoneNumberSchema>,
): Promise<PhoneNumber> {
  const phone = await requirePhoneNumber(ctx, id);
  const updated = await updatePhoneNumber(ctx.db, phone.id, {
    ...(input.display_phone_number !== undefined ? { display_phone_number: input.display_phone_number } : {}),
    ...(input.access_token !== undefined
      ? { access_token_encrypted: encryptSecret(input.access_token, ctx.config.encryptionKey) }
      : {}),
    ...(input.mps !== undefined ? { mps: input.mps } : {}),
  });
  if (!updated) throw new DakError('phone_number_not_found', `No phone number "${id}".`);
  return updated;
}

/** The sending phone number, by Meta's id; another account's number is a 404, never a 403. */
export async function resolveSender(
  ctx: ApiContext,
  principal: Principal,
  metaPhoneNumberId: string,
): Promise<PhoneNumber> {
  const phone = await ctx.cache.senders.get(metaPhoneNumberId, () =>
    findPhoneNumberByMetaId(ctx.db, metaPhoneNumberId),
  );
  if (!phone || phone.account_id !== principal.accountId) {
    throw new DakError(
      'phone_number_not_found',
      `Unknown phone_number_id "${metaPhoneNumberId}". Use the Meta phone number id of one of your account's numbers.`,
    );
  }
  if (principal.metaPhoneNumberIds && !principal.metaPhoneNumberIds.includes(phone.meta_phone_number_id)) {
    throw new DakError(
      'phone_number_not_allowed',
      `This API key may not send from phone_number_id "${metaPhoneNumberId}". Use a key allowed for that number, or one without a phone number restriction.`,
    );
  }
  return phone;
}
