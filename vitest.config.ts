import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One throwaway PostgreSQL cluster per run, when installed (a database per suite).
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
    testTimeout: 30_000,
    // expect.poll waits for a condition, never for a time: under load (two cores, sharp and
    // Chromium busy) its 1 s default made the admin page tests fail while the page was right.
    expect: { poll: { timeout: 20_000 } },
    hookTimeout: 60_000,
    // sharp renders and a real nginx per suite: two cores, so keep files in parallel modest.
    maxWorkers: 2,
  },
});
