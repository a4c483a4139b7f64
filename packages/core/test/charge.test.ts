import { describe, expect, it } from 'vitest';
import {
  CHARGE_HAPPENINGS,
  CHARGE_MOVEMENTS,
  CHARGE_STATES,
  chargeMovements,
  type ChargeHappening,
  type ChargeMovement,
  type ChargeState,
} from '../src/index';

// Every charge state × every happening, and the movements each must make (in order).
const TABLE: Record<ChargeState, Record<ChargeHappening, ChargeMovement[]>> = {
  held: {
    accepted: ['capture'],
    failed_before_meta: ['release'],
    expired_unsent: ['release'],
    sent: ['capture'],
    delivered: ['capture'],
    read: ['capture'],
    failed: ['capture', 'refund'],
  },
  captured: {
    accepted: [], // a status webhook captured it first
    failed_before_meta: [],
    expired_unsent: [],
    sent: [],
    delivered: [],
    read: [],
    failed: ['refund'],
  },
  released: {
    accepted: [],
    failed_before_meta: [],
    expired_unsent: [],
    sent: [],
    delivered: ['capture_released'], // Dak gave up on it, yet Meta delivered the first send
    read: ['capture_released'],
    failed: [],
  },
  refunded: {
    accepted: [],
    failed_before_meta: [],
    expired_unsent: [],
    sent: [],
    delivered: ['refund_reversal'], // a delivery after `failed` takes the refund back
    read: ['refund_reversal'],
    failed: [], // a duplicate `failed` never refunds twice
  },
  waived: {
    // Meta reported it free: nothing charges it again.
    accepted: [],
    failed_before_meta: [],
    expired_unsent: [],
    sent: [],
    delivered: [],
    read: [],
    failed: [],
  },
};

// The same for a message Meta reported free, of an account that does not charge those: only
// Meta's statuses know it; `failed` is refunded as any other.
const FREE: Record<ChargeState, Partial<Record<ChargeHappening, ChargeMovement[]>>> = {
  held: { sent: ['waive_hold'], delivered: ['waive_hold'], read: ['waive_hold'], failed: ['capture', 'refund'] },
  captured: { sent: ['waive_capture'], delivered: ['waive_capture'], read: ['waive_capture'], failed: ['refund'] },
  released: { sent: [], delivered: [], read: [], failed: [] }, // never charged after all
  refunded: { sent: [], delivered: [], read: [], failed: [] }, // the refund stands
  waived: { sent: [], delivered: [], read: [], failed: [] },
};

describe('chargeMovements', () => {
  it('the table covers every charge state and every happening', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...CHARGE_STATES].sort());
    for (const row of Object.values(TABLE)) expect(Object.keys(row).sort()).toEqual([...CHARGE_HAPPENINGS].sort());
  });

  const rows = CHARGE_STATES.flatMap((state) =>
    CHARGE_HAPPENINGS.map((happening) => [state, happening, TABLE[state][happening]] as const),
  );
  it.each(rows)('%s, then %s → %j', (state, happening, expected) => {
    expect(chargeMovements(state, happening)).toEqual(expected);
  });

  it.each(rows)('%s, then %s: each movement starts where the last ended', (state, happening) => {
    let at: ChargeState = state;
    for (const movement of chargeMovements(state, happening)) {
      expect(CHARGE_MOVEMENTS[movement].from).toBe(at);
      at = CHARGE_MOVEMENTS[movement].to;
    }
  });

  const freeRows = CHARGE_STATES.flatMap((state) =>
    Object.entries(FREE[state]).map(
      ([happening, expected]) => [state, happening as ChargeHappening, expected] as const,
    ),
  );
  it.each(freeRows)('free: %s, then %s → %j', (state, happening, expected) => {
    expect(chargeMovements(state, happening, true)).toEqual(expected);
    let at: ChargeState = state;
    for (const movement of expected) {
      expect(CHARGE_MOVEMENTS[movement].from).toBe(at);
      at = CHARGE_MOVEMENTS[movement].to;
    }
    // What follows moves nothing more, free or not: a waived message is final.
    if (at === 'waived') for (const next of CHARGE_HAPPENINGS) expect(chargeMovements(at, next)).toEqual([]);
    expect(chargeMovements(at, happening, true)).toEqual([]);
  });

  it('moves nothing a second time: what just happened, happening again, finds nothing left to do', () => {
    for (const [state, happening] of rows) {
      const end = chargeMovements(state, happening).reduce<ChargeState>(
        (_, movement) => CHARGE_MOVEMENTS[movement].to,
        state,
      );
      expect(chargeMovements(end, happening)).toEqual([]);
    }
  });
});
