import { defineConfig } from 'vitest/config';

// `npm run test:unit`: the pure modules and their small file-backed neighbours. No server,
// no child process, no nginx, no PostgreSQL: seconds, for the edit-test loop. `npm test`
// (vitest.config.ts) runs these too, with everything else.
/** The unit tier; test/test-tiers.test.ts checks that none of these starts anything. */
export const UNIT_TESTS = [
  'test/architecture.test.ts',
  'test/url/**/*.test.ts',
  'test/cache/**/*.test.ts',
  'test/config/**/*.test.ts',
  'test/render/plan.test.ts',
  'test/fs/storage-errors.test.ts',
  'test/originals/local-originals.test.ts',
  'test/http/media-targets.test.ts',
];

export default defineConfig({
  test: {
    include: UNIT_TESTS,
    testTimeout: 10_000,
  },
});
