import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** API keys are random and long, so a plain SHA-256 is a safe, fast lookup hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): { key: string; prefix: string } {
  const key = `dak_${randomBytes(24).toString('base64url')}`;
  return { key, prefix: key.slice(0, 12) };
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Meta's X-Hub-Signature-256: HMAC-SHA256 of the raw body bytes with the app secret. Any of the
 * configured secrets may have made it (several while one is rotated); each is compared in
 * constant time, and all of them are tried so the time does not tell which one matched.
 */
export function verifyMetaSignature(
  rawBody: Buffer,
  header: string | undefined,
  appSecrets: readonly string[],
): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const signature = header.slice('sha256='.length).toLowerCase();
  let matched = false;
  for (const secret of appSecrets) {
    if (safeEqual(signature, createHmac('sha256', secret).update(rawBody).digest('hex'))) matched = true;
  }
  return matched;
}

/** AES-256-GCM; the output is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export function encryptSecret(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function decryptSecret(sealed: string, key: Buffer): string {
  const [version, iv, tag, ciphertext] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || ciphertext === undefined)
    throw new Error('Unrecognised encrypted secret format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch (error) {
    // The operator's log should say what happened: the secret was sealed under another key.
    throw new Error(
      'A stored secret cannot be decrypted with this DAK_ENCRYPTION_KEY: it was encrypted under another key. ' +
        'Restore the key it was stored with, or set the secret again (a phone number: PATCH /admin/v1/phone-numbers/:id with its access_token).',
      { cause: error },
    );
  }
}
