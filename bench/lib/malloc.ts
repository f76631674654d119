// The allocator rendition is deployed with (docker/Dockerfile, deploy/rendition.service):
// jemalloc, preloaded, when Debian's libjemalloc2 is installed.

import { existsSync } from 'node:fs';

const JEMALLOC = [
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
];

/** `{ LD_PRELOAD }` for jemalloc when installed, else nothing (glibc malloc). */
export function jemallocPreload(): Record<string, string> {
  const found = JEMALLOC.find((file) => existsSync(file));
  return found === undefined ? {} : { LD_PRELOAD: found };
}

/** How a run's allocator reads in a row or a log line. */
export function mallocName(preload: Record<string, string>): string {
  return 'LD_PRELOAD' in preload
    ? 'jemalloc'
    : 'glibc malloc (apt-get install libjemalloc2 for the production setting)';
}
