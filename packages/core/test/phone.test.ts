import { describe, expect, it } from 'vitest';
import { isUserId, normalizeRecipient, normalizeUserId, presentAddress } from '../src/phone';

describe('contact addresses', () => {
  it('tells a user id from a phone number', () => {
    expect(isUserId('US.13491208655302741918')).toBe(true);
    expect(isUserId('US.ENT.11815799212886844830')).toBe(true);
    expect(isUserId('BR.1502576394655843abc')).toBe(true);
    for (const no of ['919820388810', 'us.1349', 'USA.1349', 'US.', 'US.12-34', `US.${'1'.repeat(129)}`, '']) {
      expect(isUserId(no), no).toBe(false);
    }
    // Neither reading of one string wins over the other.
    expect(normalizeRecipient('US.13491208655302741918')).toBeNull();
    expect(normalizeUserId('919820388810')).toBeNull();
  });

  it('keeps a user id exactly as given, trimmed', () => {
    expect(normalizeUserId('  IN.1648738043044942 ')).toBe('IN.1648738043044942');
    expect(normalizeUserId('in.1648738043044942')).toBeNull();
  });

  it('shows an address as the field it is', () => {
    expect(presentAddress('919820388810')).toEqual({ phone_number: '919820388810', user_id: null });
    expect(presentAddress('IN.1648738043044942')).toEqual({ phone_number: null, user_id: 'IN.1648738043044942' });
  });
});
