// The measuring protocol: warm-up, then repetitions interleaved across the setups compared
// (A B A B ...), so drift on a shared machine hits all of them alike; medians reported.

import type { BenchOptions } from './options.js';
import { median } from './stats.js';
import type { WrkResult } from './wrk.js';

export interface Point {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly runs: readonly WrkResult[];
}

export function summarize(runs: readonly WrkResult[]): Point {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.latency.p50)),
    p99: median(runs.map((r) => r.latency.p99)),
    runs,
  };
}

/** `setups` maps a name to one wrk run of `seconds`. */
export async function interleaved<K extends string>(
  options: BenchOptions,
  setups: Readonly<Record<K, (seconds: number) => Promise<WrkResult>>>,
): Promise<Record<K, Point>> {
  const names = Object.keys(setups) as K[];
  for (const name of names) await setups[name](options.warmupS);
  const runs = Object.fromEntries(names.map((name) => [name, [] as WrkResult[]])) as Record<
    K,
    WrkResult[]
  >;
  for (let rep = 0; rep < options.reps; rep += 1) {
    for (const name of names) runs[name].push(await setups[name](options.durationS));
  }
  return Object.fromEntries(names.map((name) => [name, summarize(runs[name])])) as Record<K, Point>;
}
