import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing running; `integration` talks to real Postgres and Redis
// (DATABASE_URL / REDIS_URL, or the local defaults) and gets a migrated template database
// from the global setup, cloned once per test file.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/core/test/**/*.test.ts',
            'packages/config/test/**/*.test.ts',
            'apps/meta-sim/test/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['apps/*/test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          exclude: ['packages/core/test/**', 'packages/config/test/**', 'apps/meta-sim/test/**'],
          globalSetup: ['packages/dev-env/src/global-setup.ts'],
        },
      },
    ],
  },
});
