import type { z } from 'zod';
import type { PhoneNumber } from '@dak/db';
import type { phoneNumberSchema } from './schema';

export function presentPhoneNumber(phone: PhoneNumber): z.infer<typeof phoneNumberSchema> {
  return {
    id: phone.id,
    account_id: phone.account_id,
    phone_number_id: phone.meta_phone_number_id,
    display_phone_number: phone.display_phone_number,
    mps: phone.mps,
    created_at: phone.created_at.toISOString(),
  };
}
