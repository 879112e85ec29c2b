import { defineConfig } from 'vitest/config';

// Three projects: `unit` (pure logic and happy-dom components), `api` (the context API through
// app.request() and the real CLI), `e2e` (real Chromium and Firefox ESR, real RT 5). `unit` and
// `api` share one throwaway PostgreSQL cluster for the run (tests/support/pg-global-setup.ts).
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.{ts,tsx}'], globalSetup: ['tests/support/pg-global-setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'api', include: ['tests/api/**/*.test.ts'], testTimeout: 30_000, globalSetup: ['tests/support/pg-global-setup.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
