import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // sharp renders and a real nginx per suite: two cores, so keep files in parallel modest.
    maxWorkers: 2,
  },
});
