import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One throwaway PostgreSQL cluster per run, when installed (a database per suite).
    // and a place for the run's one Ceph radosgw, started by the first suite that needs it
    // (test/helpers/radosgw.ts), so runs without S3 suites never pay its ~20 s.
    globalSetup: ['test/helpers/postgres-global-setup.ts', 'test/helpers/radosgw-global-setup.ts'],
    // The AWS SDK warns on Node 20 that its releases after January 2027 need Node 22. Users
    // should see that; test output (child servers' stderr included) should not.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 30_000,
    // expect.poll waits for a condition, never for a time: under load (two cores, sharp and
    // Chromium busy) its 1 s default made the admin page tests fail while the page was right.
    expect: { poll: { timeout: 20_000 } },
    hookTimeout: 60_000,
    // sharp renders and a real nginx per suite: two cores, so keep files in parallel modest.
    maxWorkers: 2,
  },
});
