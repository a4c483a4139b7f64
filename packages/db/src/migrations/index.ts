import type { Migration } from 'kysely';
import * as initial from './2026-11-26T2300-initial';
import * as rateLimits from './2026-12-01T0620-rate-limits';

/** Every migration, in order. Add new ones at the end with a timestamped name. */
export const migrations: Record<string, Migration> = {
  '2026-11-26T2300-initial': initial,
  '2026-12-01T0620-rate-limits': rateLimits,
};
