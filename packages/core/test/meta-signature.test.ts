import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyMetaSignature } from '../src/index';

const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
const sign = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('verifyMetaSignature', () => {
  it('accepts a signature made with any configured secret', () => {
    expect(verifyMetaSignature(body, sign('new-secret'), ['new-secret', 'old-secret'])).toBe(true);
    expect(verifyMetaSignature(body, sign('old-secret'), ['new-secret', 'old-secret'])).toBe(true);
    expect(
      verifyMetaSignature(body, sign('old-secret').toUpperCase().replace('SHA256=', 'sha256='), ['old-secret']),
    ).toBe(true);
  });

  it('refuses another secret, another body, a missing or malformed header, and an empty list', () => {
    expect(verifyMetaSignature(body, sign('third-secret'), ['new-secret', 'old-secret'])).toBe(false);
    expect(verifyMetaSignature(Buffer.from('{}'), sign('new-secret'), ['new-secret'])).toBe(false);
    expect(verifyMetaSignature(body, undefined, ['new-secret'])).toBe(false);
    expect(verifyMetaSignature(body, sign('new-secret').replace('sha256=', 'sha1='), ['new-secret'])).toBe(false);
    expect(verifyMetaSignature(body, 'sha256=', ['new-secret'])).toBe(false);
    expect(verifyMetaSignature(body, sign('new-secret'), [])).toBe(false);
  });
});
