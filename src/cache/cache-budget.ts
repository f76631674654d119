// The CACHE_ROOT byte budget of a running server: the size index, told of every write and
// purge, and a background, single-flight eviction of the least recently used renditions.

import { sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { walkCache } from './cache-walk.js';
import { evictFiles } from './evict-files.js';
import { type BudgetLimits, type CacheEntry, planEviction } from './eviction-plan.js';
import type { HotCache, HotValue } from './hot-cache.js';
import { createSizeIndex } from './size-index.js';

/** What the rendition store tells the budget; paths are relative to CACHE_ROOT. */
export interface CacheChangeListener {
  /** A rendition file of `size` bytes was written. */
  written(path: string, size: number): void;
  /** A file, or a directory and everything under it, was deleted. */
  deleted(path: string): void;
}

export interface CacheBudgetOptions {
  /** Real (symlink-resolved) CACHE_ROOT. */
  readonly cacheRoot: string;
  /** `maxBytes` 0 turns the budget off: no walk, no index, no eviction. */
  readonly limits: BudgetLimits;
  /** Evicted files are dropped from it. */
  readonly hotCache: HotCache<HotValue>;
  /** Failures of a walk or an unlink (the server goes on; the next write tries again). */
  readonly onError?: (error: unknown) => void;
  /** Least time between the starts of two walks, in ms (default 1000). */
  readonly minIntervalMs?: number;
}

export interface CacheBudgetStats {
  readonly enabled: boolean;
  /** False until the first walk of CACHE_ROOT has ended; nothing is evicted before. */
  readonly ready: boolean;
  readonly files: number;
  readonly bytes: number;
  /** Walks of CACHE_ROOT (the one at start included). */
  readonly walks: number;
  readonly evictedFiles: number;
  readonly evictedBytes: number;
  /** Duration of the last walk, in ms. */
  readonly lastWalkMs: number;
}

export interface CacheBudget extends CacheChangeListener {
  /** Starts the index rebuild (a walk of CACHE_ROOT) in the background. */
  start(): void;
  /** Wraps the hot cache so that its hits count as uses of their files. */
  trackUses<T extends HotValue>(hotCache: HotCache<T>): HotCache<T>;
  /** Resolves once no walk or eviction is running or scheduled. */
  idle(): Promise<void>;
  stats(): CacheBudgetStats;
  /** Stops a running walk or eviction between two steps and waits for it. */
  close(): Promise<void>;
}

/**
 * A budget for `cacheRoot`. Each run walks the whole root (so it sees the atimes nginx's
 * reads left, and files removed behind its back), replaces the index with what it found,
 * and, past `maxBytes`, evicts down to `lowWaterBytes`. A run starts at `start()` and again
 * whenever a write takes the indexed total past the budget: never on a request's path.
 */
export function createCacheBudget(options: CacheBudgetOptions): CacheBudget {
  const { cacheRoot, limits, hotCache } = options;
  const onError = options.onError ?? (() => {});
  const minIntervalMs = options.minIntervalMs ?? 1000;
  const index = createSizeIndex();
  const abort = new AbortController();
  const enabled = limits.maxBytes > 0;
  const counters = { walks: 0, evictedFiles: 0, evictedBytes: 0, lastWalkMs: 0 };
  let running: Promise<void> | undefined;
  let again = false;
  let lastStart = Number.NEGATIVE_INFINITY;
  let lastWalkFailed = false;

  function needsRun(): boolean {
    return index.ready ? index.bytes > limits.maxBytes : lastWalkFailed;
  }

  /** Single flight: a request made while a run is on makes it go round once more. */
  function schedule(): void {
    if (!enabled || abort.signal.aborted) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    again = false;
    running = (async () => {
      do {
        again = false;
        const wait = lastStart + minIntervalMs - Date.now();
        try {
          if (wait > 0) await sleep(wait, undefined, { signal: abort.signal });
          lastStart = Date.now();
          await run();
        } catch (error) {
          if (abort.signal.aborted) return;
          onError(error);
        }
      } while (again && needsRun());
    })().finally(() => {
      running = undefined;
    });
  }

  async function run(): Promise<void> {
    const started = Date.now();
    index.beginRebuild();
    let entries: CacheEntry[];
    try {
      entries = await index.finishRebuild(await walkCache(cacheRoot, { signal: abort.signal }));
      lastWalkFailed = false;
    } catch (error) {
      index.cancelRebuild();
      lastWalkFailed = true;
      throw error;
    } finally {
      counters.walks += 1;
      counters.lastWalkMs = Date.now() - started;
    }
    const plan = planEviction(entries, limits);
    if (plan.victims.length === 0) return;
    const report = await evictFiles(plan.victims, {
      cacheRoot,
      lastUseKnown: (path) => index.lastUseOf(path),
      signal: abort.signal,
      onEvicted(entry) {
        index.deleted(entry.path);
        hotCache.delete(`${cacheRoot}${sep}${entry.path}`);
      },
    });
    for (const entry of report.gone) index.deleted(entry.path);
    counters.evictedFiles += report.evicted.length;
    counters.evictedBytes += report.freed;
    const first = report.failed[0];
    if (first !== undefined) {
      onError(
        new Error(
          `could not evict ${report.failed.length} cache files, first ${first.entry.path}`,
          {
            cause: first.error,
          },
        ),
      );
    }
  }

  return {
    start() {
      schedule();
    },
    written(path, size) {
      if (!enabled) return;
      index.written(path, size, Date.now());
      if (needsRun()) schedule();
    },
    deleted(path) {
      if (enabled) index.deleted(path);
    },
    trackUses(inner) {
      if (!enabled) return inner;
      const prefix = `${cacheRoot}${sep}`;
      // A Node hit counts as a use of its cache file for the LRU order of eviction.
      const noteUse = <V>(file: string, found: V | undefined): V | undefined => {
        if (found !== undefined && file.startsWith(prefix)) {
          index.used(file.slice(prefix.length), Date.now());
        }
        return found;
      };
      return {
        get: async (file) => noteUse(file, await inner.get(file)),
        peek: (file) => noteUse(file, inner.peek(file)),
        set: (file, value) => inner.set(file, value),
        delete: (file) => inner.delete(file),
        deletePrefix: (prefix) => inner.deletePrefix(prefix),
        get bytes() {
          return inner.bytes;
        },
      };
    },
    async idle() {
      while (running !== undefined) await running;
    },
    stats() {
      return { enabled, ready: index.ready, files: index.files, bytes: index.bytes, ...counters };
    },
    async close() {
      abort.abort();
      await running;
    },
  };
}
