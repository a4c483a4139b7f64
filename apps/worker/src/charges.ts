import { chargeMovements, type ChargeHappening, type ChargeState } from '@dak/core';
import { moveMessageCharge, type Database } from '@dak/db';

/** Makes the movements chargeMovements decides for what just happened to this message. */
export async function moveCharge(
  db: Database,
  message: { id: string; charge_state: ChargeState },
  happening: ChargeHappening,
): Promise<void> {
  for (const movement of chargeMovements(message.charge_state, happening))
    await moveMessageCharge(db, message.id, movement);
}
