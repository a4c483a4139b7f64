import { decryptSecret } from '@dak/core';

/** The endpoint's secrets as a claim carries them (encrypted). */
export interface StoredSecrets {
  secretEncrypted: string;
  previousSecretEncrypted: string | null;
  previousSecretUntil: Date | null;
}

const MAX_CACHED = 1_000;

/**
 * Decrypts endpoints' signing secrets, remembering the last thousand by their ciphertext (a
 * rotation makes a new ciphertext, so nothing stale is ever served). Thousands of deliveries a
 * second to a few endpoints then decrypt each secret once.
 */
export class SigningSecrets {
  private readonly cache = new Map<string, string>();

  constructor(private readonly key: Buffer) {}

  /** The secrets that sign at `now`: the current one, and the previous one while it still signs. */
  signing(stored: StoredSecrets, now: Date): string[] {
    const secrets = [this.decrypt(stored.secretEncrypted)];
    if (stored.previousSecretEncrypted && stored.previousSecretUntil && stored.previousSecretUntil > now)
      secrets.push(this.decrypt(stored.previousSecretEncrypted));
    return secrets;
  }

  private decrypt(sealed: string): string {
    let plain = this.cache.get(sealed);
    if (plain === undefined) {
      plain = decryptSecret(sealed, this.key);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(sealed, plain);
    }
    return plain;
  }
}
