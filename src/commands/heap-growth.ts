// How far V8 lets the heap grow past what the last full GC kept. V8 picks the factor from
// how fast the process allocates: a server idle between requests allocates slowly, gets a
// factor near 2 (20 MB kept, a limit of 36-44 MB), and starts a mark-compact every two or
// three S3 fetches, 15-20 ms of the main thread each. 300% is the most V8 ever picks itself
// (a factor of 4); measured in B12 (docs/performance.md). A flag the operator gives wins.

import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 300;

const FLAG = '--heap-growing-percent';

/** True unless the operator already set the flag (`node --heap-growing-percent=..`, NODE_OPTIONS). */
export function shouldSetHeapGrowth(execArgv: readonly string[], nodeOptions: string): boolean {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  return !given.some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`));
}

/**
 * Sets the factor for this process (before the server allocates), unless `execArgv` or
 * `nodeOptions` (the process's) already do; false when left alone.
 */
export function setHeapGrowth(execArgv: readonly string[], nodeOptions: string): boolean {
  if (!shouldSetHeapGrowth(execArgv, nodeOptions)) return false;
  // Read by V8 at every GC, so setting it while running takes effect at the next one.
  setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
  return true;
}
