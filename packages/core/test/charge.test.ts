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
