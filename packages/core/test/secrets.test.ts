import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from '@dak/core';

describe('secrets at rest', () => {
  it('round-trips under its key, and under another key says which key to restore or what to set again', () => {
    const key = randomBytes(32);
    const sealed = encryptSecret('EAAG-access-token', key);
    expect(decryptSecret(sealed, key)).toBe('EAAG-access-token');
    expect(() => decryptSecret(sealed, randomBytes(32))).toThrow(
      /cannot be decrypted with this DAK_ENCRYPTION_KEY.*PATCH \/admin\/v1\/phone-numbers\/:id/s,
    );
  });
});
