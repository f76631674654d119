// Carries out an eviction plan on disk: unlink each victim still unused since it was planned,
// then remove the directories left empty. Whole files only, so it is safe beside the server.

import { lstat, realpath, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isMissing, removeEmptyParents } from '../fs/inside-root.js';
import { lastUseOf } from './cache-walk.js';
import type { CacheEntry } from './eviction-plan.js';

export interface EvictFilesOptions {
  /** Real (symlink-resolved) CACHE_ROOT. */
  readonly cacheRoot: string;
  /** Checks every victim but deletes nothing. */
  readonly dryRun?: boolean;
  /** Node's own latest use of a file (a hot-cache hit touches no disk), if it knows one. */
  readonly lastUseKnown?: (path: string) => number | undefined;
  /** Told of each file removed (or, in a dry run, that would be), in the victims' order. */
  readonly onEvicted?: (entry: CacheEntry) => void;
  readonly signal?: AbortSignal;
}

export interface EvictFilesReport {
  /** Files removed (dry run: that would be), in the victims' order. */
  readonly evicted: CacheEntry[];
  /** Bytes they held. */
  freed: number;
  /** Victims read or rewritten since they were planned: kept. */
  readonly kept: CacheEntry[];
  /** Victims already gone (a purge, another `rendition gc`). */
  readonly gone: CacheEntry[];
  readonly failed: { readonly entry: CacheEntry; readonly error: unknown }[];
}

const BATCH = 16;

/**
 * Removes `victims` (from a plan made a moment ago) from `cacheRoot`. A victim whose atime,
 * mtime or `lastUseKnown` is now newer than its planned `lastUse` was used meanwhile and is
 * kept. A concurrent reader either has the file open already (unlink leaves it readable)
 * or misses and renders it again.
 */
export async function evictFiles(
  victims: readonly CacheEntry[],
  options: EvictFilesOptions,
): Promise<EvictFilesReport> {
  const report: EvictFilesReport = { evicted: [], freed: 0, kept: [], gone: [], failed: [] };
  const dirs = new Set<string>();
  for (let start = 0; start < victims.length; start += BATCH) {
    options.signal?.throwIfAborted();
    const batch = victims.slice(start, start + BATCH);
    const outcomes = await Promise.allSettled(batch.map((entry) => evictOne(entry, options)));
    // Reported in the plan's order (least recently used first, ties by path), not in the
    // order the checks happened to finish: `gc --dry-run` prints the same list every time.
    outcomes.forEach((outcome, index) => {
      const entry = batch[index] as CacheEntry;
      if (outcome.status === 'rejected') {
        report.failed.push({ entry, error: outcome.reason });
      } else if (outcome.value === 'evicted') {
        report.evicted.push(entry);
        report.freed += entry.size;
        dirs.add(dirname(join(options.cacheRoot, entry.path)));
        options.onEvicted?.(entry);
      } else report[outcome.value].push(entry);
    });
  }
  if (options.dryRun !== true) {
    // Deepest first, so a parent is tried once its children are gone.
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
      await removeEmptyParents(options.cacheRoot, dir);
    }
  }
  return report;
}

async function evictOne(
  entry: CacheEntry,
  options: EvictFilesOptions,
): Promise<'evicted' | 'kept' | 'gone'> {
  const file = join(options.cacheRoot, entry.path);
  const stats = await lstat(file).catch((error: unknown) => {
    if (isMissing(error)) return undefined;
    throw error;
  });
  if (stats === undefined) return 'gone';
  if (!stats.isFile()) return 'kept';
  const known = options.lastUseKnown?.(entry.path) ?? 0;
  if (Math.max(lastUseOf(stats), known) > entry.lastUse || stats.size !== entry.size) return 'kept';
  if (options.dryRun === true) return 'evicted';
  // A directory swapped for a symlink since the walk must not lead the unlink out of the root.
  const dir = dirname(file);
  if ((await realpath(dir)) !== dir) {
    throw new Error(`Expected ${dir} to be a directory inside CACHE_ROOT but it is a symlink`);
  }
  try {
    await unlink(file);
  } catch (error) {
    if (isMissing(error)) return 'gone';
    throw error;
  }
  return 'evicted';
}
