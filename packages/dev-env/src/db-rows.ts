import { randomBytes } from 'node:crypto';
import { newId } from '@dak/core';
import {
  createWallet,
  insertAccount,
  insertPhoneNumber,
  recordCallbackEvents,
  topUp,
  type Database,
  type MessageToAccept,
} from '@dak/db';

export interface WalletAccount {
  accountId: string;
  /** Dak's id of the account's one number (`pn_…`). */
  senderId: string;
  /** Meta's id of that number. */
  metaPhoneNumberId: string;
  wabaId: string;
}

/**
 * An account with a wallet and one number, written through the repositories (no API, no
 * meta-sim), for tests that call repositories directly. `credit` paise are topped up once.
 */
export async function seedWalletAccount(db: Database, credit: number): Promise<WalletAccount> {
  const accountId = newId('acc');
  const wabaId = digits(15);
  await insertAccount(db, {
    id: accountId,
    name: 'Repository test',
    waba_id: wabaId,
    currency: 'INR',
    price_minor: 10,
    category_prices: {},
  });
  await createWallet(db, accountId, 'INR');
  const metaPhoneNumberId = digits(15);
  const phone = await insertPhoneNumber(db, {
    id: newId('pn'),
    account_id: accountId,
    meta_phone_number_id: metaPhoneNumberId,
    display_phone_number: '+91 98200 00000',
    access_token_encrypted: 'v1.x.y.z',
    mps: 80,
  });
  if (credit > 0) await topUp(db, accountId, credit, `initial-${accountId}`);
  return { accountId, senderId: phone.id, metaPhoneNumberId, wabaId };
}

/** A message as the API would accept it from this account's number, priced `price` paise. */
export function messageToAccept(account: WalletAccount, price = 10): MessageToAccept {
  return {
    id: newId('msg'),
    account_id: account.accountId,
    sender_id: account.senderId,
    template_id: '1',
    template_name: 't',
    template_language: 'en_US',
    template_category: 'UTILITY',
    recipient: '919820388810',
    variables: [],
    components: [],
    client_reference: null,
    price_minor: price,
    currency: 'INR',
    expires_at: null,
    queued_at: new Date(),
  };
}

function digits(length: number): string {
  return BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString()
    .padStart(length, '1')
    .slice(-length);
}

/**
 * `count` message.status events of the account, recorded in one statement (so they share one
 * created_at) and delivered to `endpointId`, its one endpoint: what a replay starts from.
 * Returns their delivery ids, and `finish`, which marks the endpoint's deliveries delivered again.
 */
export async function seedFinishedCallbacks(db: Database, accountId: string, endpointId: string, count: number) {
  const ids = await recordCallbackEvents(
    db,
    Array.from({ length: count }, (_, i) => ({
      accountId,
      type: 'message.status' as const,
      messageId: `msg_finished_${i}`,
      sequence: 1,
      data: {},
    })),
  );
  const finish = () =>
    db.updateTable('callback_deliveries').set({ status: 'delivered' }).where('endpoint_id', '=', endpointId).execute();
  await finish();
  return { ids, finish };
}
