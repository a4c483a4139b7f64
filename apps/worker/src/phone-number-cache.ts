import { decryptSecret } from '@dak/core';
import { findPhoneNumberById, type Database } from '@dak/db';

export interface SenderNumber {
  id: string;
  phoneNumberId: string;
  mps: number;
  accessToken: string;
}

const TTL_MS = 30_000;

/**
 * Sending numbers with their decrypted tokens, kept for 30 s: a changed token or limit is
 * picked up within that time without a query per send.
 */
export class PhoneNumberCache {
  private readonly entries = new Map<string, { value: SenderNumber; expires: number }>();

  constructor(
    private readonly db: Database,
    private readonly encryptionKey: Buffer,
  ) {}

  async get(id: string): Promise<SenderNumber | undefined> {
    const cached = this.entries.get(id);
    if (cached && cached.expires > Date.now()) return cached.value;
    const row = await findPhoneNumberById(this.db, id);
    if (!row) return undefined;
    const value = {
      id: row.id,
      phoneNumberId: row.phone_number_id,
      mps: row.mps,
      accessToken: decryptSecret(row.access_token_encrypted, this.encryptionKey),
    };
    this.entries.set(id, { value, expires: Date.now() + TTL_MS });
    return value;
  }
}
