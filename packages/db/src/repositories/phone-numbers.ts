import type { Database } from '../database';
import type { Insertable } from 'kysely';
import type { PhoneNumber, PhoneNumbersTable } from '../schema/index';

export async function insertPhoneNumber(db: Database, row: Insertable<PhoneNumbersTable>): Promise<PhoneNumber> {
  return db.insertInto('phone_numbers').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findPhoneNumberByMetaId(
  db: Database,
  metaPhoneNumberId: string,
): Promise<PhoneNumber | undefined> {
  return db
    .selectFrom('phone_numbers')
    .selectAll()
    .where('meta_phone_number_id', '=', metaPhoneNumberId)
    .executeTakeFirst();
}

export async function findPhoneNumberById(db: Database, id: string): Promise<PhoneNumber | undefined> {
  return db.selectFrom('phone_numbers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listPhoneNumbers(db: Database, accountId: string): Promise<PhoneNumber[]> {
  return db.selectFrom('phone_numbers').selectAll().where('account_id', '=', accountId).orderBy('id').execute();
}

export async function updatePhoneNumber(
  db: Database,
  id: string,
  changes: { display_phone_number?: string; access_token_encrypted?: string; mps?: number },
): Promise<PhoneNumber | undefined> {
  return db
    .updateTable('phone_numbers')
    .set({ ...changes, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Registered numbers by Meta id, each with its account's WABA: what a webhook envelope is checked against. */
export async function findRegisteredNumbers(db: Database, metaIds: string[]) {
  if (metaIds.length === 0) return [];
  return db
    .selectFrom('phone_numbers as pn')
    .innerJoin('accounts as a', 'a.id', 'pn.account_id')
    .select(['pn.id', 'pn.account_id', 'pn.meta_phone_number_id', 'a.waba_id'])
    .where('pn.meta_phone_number_id', 'in', metaIds)
    .execute();
}
