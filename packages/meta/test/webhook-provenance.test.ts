import { describe, expect, it } from 'vitest';
import {
  decideStatus,
  extractWebhookEvents,
  type EventClaim,
  type RegisteredNumber,
  type StatusCandidate,
} from '../src/index';

const number: RegisteredNumber = { id: 'pn_a', account_id: 'acc_a', meta_phone_number_id: '1001', waba_id: '9001' };
const message = (over: Partial<StatusCandidate> = {}): StatusCandidate => ({
  id: 'msg_a',
  wamid: 'wamid.a',
  account_id: 'acc_a',
  meta_phone_number_id: '1001',
  ...over,
});
const claim = (over: Partial<EventClaim> = {}): EventClaim => ({
  waba_id: '9001',
  meta_phone_number_id: '1001',
  wamid: 'wamid.a',
  message_id: 'msg_a',
  ...over,
});
const decide = (input: Partial<Parameters<typeof decideStatus>[0]>) =>
  decideStatus({ claim: claim(), sender: number, byWamid: undefined, byCallback: undefined, expired: false, ...input });

describe('whose status is it', () => {
  it('applies to the message its wamid names when the envelope is the number it was sent from', () => {
    expect(decide({ byWamid: message() })).toMatchObject({ outcome: 'apply', message: { id: 'msg_a' } });
  });

  it('applies by callback data only while the message has no wamid (which it then learns)', () => {
    expect(decide({ byCallback: message({ wamid: null }) })).toMatchObject({
      outcome: 'apply',
      message: { id: 'msg_a' },
    });
    expect(decide({ byCallback: message({ wamid: 'wamid.other' }) })).toMatchObject({
      outcome: 'reject',
      reason: 'wamid_mismatch',
    });
  });

  it('refuses a wamid whose message is not the one the callback data names', () => {
    expect(decide({ claim: claim({ message_id: 'msg_b' }), byWamid: message() })).toMatchObject({
      outcome: 'reject',
      reason: 'callback_mismatch',
    });
  });

  it('refuses what another number or account sent, or an envelope that does not add up', () => {
    expect(decide({ byWamid: message({ meta_phone_number_id: '1002' }) })).toMatchObject({
      outcome: 'reject',
      reason: 'message_of_other_number',
    });
    expect(decide({ byWamid: message({ account_id: 'acc_b', meta_phone_number_id: '2001' }) })).toMatchObject({
      outcome: 'reject',
      reason: 'message_of_other_account',
    });
    expect(decide({ byWamid: message(), sender: { ...number, waba_id: '9002' } })).toMatchObject({
      outcome: 'reject',
      reason: 'phone_number_not_in_waba',
    });
    expect(decide({ byWamid: message(), sender: undefined })).toMatchObject({
      outcome: 'reject',
      reason: 'unknown_phone_number',
    });
    expect(decide({ byWamid: message(), claim: claim({ meta_phone_number_id: null }) })).toMatchObject({
      outcome: 'reject',
      reason: 'missing_envelope',
    });
  });

  it('waits for a message it cannot find yet, and gives up after a day', () => {
    expect(decide({})).toEqual({ outcome: 'wait' });
    expect(decide({ expired: true })).toEqual({ outcome: 'reject', reason: 'unknown_message' });
  });

  it("gives a status from another envelope another dedupe key, so it cannot take the genuine one's place", () => {
    const body = (waba: string, metaPhoneNumberId: string) => ({
      entry: [
        {
          id: waba,
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: metaPhoneNumberId },
                statuses: [{ id: 'wamid.a', status: 'delivered', timestamp: '1764198000' }],
              },
            },
          ],
        },
      ],
    });
    const [genuine] = extractWebhookEvents(body('9001', '1001'));
    const [forged] = extractWebhookEvents(body('9002', '2001'));
    const [borrowed] = extractWebhookEvents(body('9002', '1001'));
    expect(genuine).toMatchObject({
      dedupe_key: 'status:9001:1001:wamid.a:delivered',
      waba_id: '9001',
      meta_phone_number_id: '1001',
    });
    expect(new Set([genuine?.dedupe_key, forged?.dedupe_key, borrowed?.dedupe_key]).size).toBe(3);
  });
});
