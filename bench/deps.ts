// The baselines drive pg and BullMQ directly. Those libraries are dependencies of the workspace
// packages, not of the root (pnpm does not hoist them), so they are loaded from the package that
// depends on them: the same copies, at the same versions, that Dak itself runs on.
import { createRequire } from 'node:module';
import type * as PgModule from 'pg';
import type * as BullMqModule from '../packages/queue/node_modules/bullmq';
import type * as IoRedisModule from '../packages/queue/node_modules/ioredis';

const fromDb = createRequire(new URL('../packages/db/package.json', import.meta.url));
const fromQueue = createRequire(new URL('../packages/queue/package.json', import.meta.url));

export const pg = fromDb('pg') as typeof PgModule;
export const bullmq = fromQueue('bullmq') as typeof BullMqModule;
export const { Redis } = fromQueue('ioredis') as typeof IoRedisModule;

export type PgPool = InstanceType<typeof pg.Pool>;
