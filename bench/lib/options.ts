// What a run measures and for how long: the full protocol, or the quick one (reduced precision).

import { parseArgs } from 'node:util';

export interface BenchOptions {
  readonly quick: boolean;
  /** Row ids to run (B1..B16); empty: all. */
  readonly only: readonly string[];
  /** Skip `npm run build` (dist/ must be current). */
  readonly noBuild: boolean;
  /** Seconds of load discarded before each measured point. */
  readonly warmupS: number;
  /** Seconds of each measured point. */
  readonly durationS: number;
  /** Measured points per configuration; the median is reported. */
  readonly reps: number;
  /** Sequential unique misses per format in B1 (and per path in B6). */
  readonly b1Misses: number;
  /** B8: seconds of load and of idle per cycle, and the number of cycles. */
  readonly soakLoadS: number;
  readonly soakIdleS: number;
  readonly soakCycles: number;
  /** B9: registry sizes measured in-process. */
  readonly registrySizes: readonly number[];
  /** B11: photos warmed. */
  readonly warmPhotos: number;
}

const FULL: Omit<BenchOptions, 'quick' | 'only' | 'noBuild'> = {
  warmupS: 2,
  durationS: 10,
  reps: 3,
  b1Misses: 200,
  soakLoadS: 60,
  soakIdleS: 30,
  soakCycles: 3,
  registrySizes: [1_000, 10_000, 100_000],
  warmPhotos: 100,
};

const QUICK: typeof FULL = {
  warmupS: 1,
  durationS: 3,
  reps: 1,
  b1Misses: 60,
  soakLoadS: 10,
  soakIdleS: 4,
  soakCycles: 2,
  registrySizes: [100_000],
  warmPhotos: 30,
};

export const USAGE = `Usage: npm run bench [-- --quick] [-- --only B1,B3] [-- --no-build]
  --quick      shorter points, one repetition, fewer requests (< 5 min; reduced precision)
  --only IDS   run only these rows (comma-separated, e.g. B3,B4)
  --no-build   do not run \`npm run build\` first (dist/ must be current)`;

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', default: '' },
      'no-build': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const only = (values.only ?? '')
    .split(',')
    .map((id) => id.trim().toUpperCase())
    .filter((id) => id !== '');
  return { quick, only, noBuild: values['no-build'] ?? false, ...(quick ? QUICK : FULL) };
}
