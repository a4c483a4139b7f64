import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { callbackRequest, generateCallbackSecret, nextCallbackAttemptAt, signCallback } from '@dak/core';

const policy = { baseDelayMs: 10_000, maxDelayMs: 3_600_000, windowMs: 86_400_000 };

describe('callback retries', () => {
  const first = new Date('2026-03-14T09:00:00Z');
  const at = (ms: number) => new Date(first.getTime() + ms);

  it('doubles from the base with equal jitter (half to all of the delay), capped at an hour', () => {
    expect(nextCallbackAttemptAt(policy, 1, first, first, () => 0)).toEqual(at(5_000));
    expect(nextCallbackAttemptAt(policy, 1, first, first, () => 1)).toEqual(at(10_000));
    expect(nextCallbackAttemptAt(policy, 3, first, first, () => 1)).toEqual(at(40_000));
    expect(nextCallbackAttemptAt(policy, 20, first, first, () => 0)).toEqual(at(1_800_000));
    expect(nextCallbackAttemptAt(policy, 20, first, first, () => 1)).toEqual(at(3_600_000));
  });

  it('puts the last attempt at the end of the window, then parks (null)', () => {
    const nearEnd = at(86_400_000 - 60_000);
    expect(nextCallbackAttemptAt(policy, 30, first, nearEnd, () => 1)).toEqual(at(86_400_000));
    expect(nextCallbackAttemptAt(policy, 31, first, at(86_400_000))).toBeNull();
    expect(nextCallbackAttemptAt(policy, 31, first, at(90_000_000))).toBeNull();
  });

  it('tries for the whole window: about 40 attempts in 24 h (the cap drawn at three quarters)', () => {
    let now = first;
    let attempts = 1;
    for (let next = nextCallbackAttemptAt(policy, 1, first, now, () => 0.5); next; attempts++) {
      now = next;
      next = nextCallbackAttemptAt(policy, attempts + 1, first, now, () => 0.5);
    }
    expect(now).toEqual(at(86_400_000));
    expect(attempts).toBeGreaterThan(35);
    expect(attempts).toBeLessThan(45);
  });
});

describe('callback signing', () => {
  it('signs "<t>.<body>" with each secret, current first', () => {
    const body = '{"id":"evt_1"}';
    const header = signCallback(body, ['whsec_new', 'whsec_old'], 1_773_480_600);
    const mac = (secret: string) => createHmac('sha256', secret).update(`1773480600.${body}`).digest('hex');
    expect(header).toBe(`t=1773480600,v1=${mac('whsec_new')},v1=${mac('whsec_old')}`);
  });

  it('builds the envelope in a fixed key order, with the event id as X-Dak-Event-Id', () => {
    const request = callbackRequest(
      { id: 'evt_1', type: 'message.status', created_at: new Date('2026-03-14T09:30:00Z'), data: { status: 'read' } },
      ['whsec_x'],
      new Date('2026-03-14T09:30:05Z'),
    );
    expect(request.body).toBe(
      '{"id":"evt_1","type":"message.status","created_at":"2026-03-14T09:30:00.000Z","data":{"status":"read"}}',
    );
    expect(request.headers['X-Dak-Event-Id']).toBe('evt_1');
    expect(request.headers['X-Dak-Signature']).toMatch(/^t=1773480605,v1=[0-9a-f]{64}$/);
  });

  it('makes secrets that differ and carry 192 random bits', () => {
    const a = generateCallbackSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(generateCallbackSecret()).not.toBe(a);
  });
});
