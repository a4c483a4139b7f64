import { decryptSecret } from '@dak/core';
import { findPhoneNumberById, type Database } from '@dak/db';

export interface SenderNumber {
  id: string;
  /** Meta's id for the number, the one the Cloud API sends from. */
  metaPhoneNumberId: string;
  mps: number;
  accessToken: string;
}

const TTL_MS = 30_000;

/**
 * Sending numbers with their decrypted tokens, kept for 30 s: a changed token or limit is
 * picked up within that time without a query per send.
 */
export class PhoneNumberCache {
  // Promises, not values: a hundred jobs that miss together share one query.
  private readonly entries = new Map<string, { value: Promise<SenderNumber | undefined>; expires: number }>();

  constructor(
    private readonly db: Database,
    private readonly encryptionKey: Buffer,
  ) {}

  get(id: string): Promise<SenderNumber | undefined> {
    const cached = this.entries.get(id);
    if (cached && cached.expires > Date.now()) return cached.value;
    const value = this.load(id);
    this.entries.set(id, { value, expires: Date.now() + TTL_MS });
    // A failed or empty lookup is not kept: the next job asks again.
    value.then(
      (found) => found ?? this.entries.delete(id),
      () => this.entries.delete(id),
    );
    return value;
  }

  private async load(id: string): Promise<SenderNumber | undefined> {
    const row = await findPhoneNumberById(this.db, id);
    if (!row) return undefined;
    return {
      id: row.id,
      metaPhoneNumberId: row.meta_phone_number_id,
      mps: row.mps,
      accessToken: decryptSecret(row.access_token_encrypted, this.encryptionKey),
    };
  }
}
