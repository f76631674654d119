// Lists every rendition file under CACHE_ROOT with its size and last use, for the byte budget.

import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissing } from '../fs/inside-root.js';
import type { CacheEntry } from './eviction-plan.js';
import { TEMP_DIR_NAME } from './layout.js';

export interface WalkOptions {
  /** Stops the walk between two directories (it then rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /**
   * readdir and lstat calls in flight at once (default 16). Kept low so that requests' own
   * file opens, which share libuv's thread pool, never queue behind many of them.
   */
  readonly concurrency?: number;
}

/** The last use a file's times tell: its atime, or its mtime when atime is older (`noatime`). */
export function lastUseOf(stats: { readonly atimeMs: number; readonly mtimeMs: number }): number {
  return Math.max(stats.atimeMs, stats.mtimeMs);
}

/**
 * Every regular file under `root` (a real path) except the temp dir, with its apparent size
 * and {@link lastUseOf}. Symlinks are neither followed nor listed: eviction never reaches
 * outside the root. Files that vanish during the walk are skipped.
 */
export async function walkCache(root: string, options: WalkOptions = {}): Promise<CacheEntry[]> {
  const concurrency = options.concurrency ?? 16;
  const entries: CacheEntry[] = [];
  // Directories still to list, shared by the workers; `busy` workers may add more.
  const pending: string[] = [''];
  let busy = 0;
  let failed = false;
  let wake: (() => void) | undefined;

  async function listOne(dir: string): Promise<void> {
    const files: string[] = [];
    for (const dirent of await listDir(join(root, dir))) {
      // Joined, not concatenated: a flat string, half the memory as a key of the size index.
      const path = dir === '' ? dirent.name : [dir, dirent.name].join('/');
      if (dirent.isDirectory()) {
        if (path !== TEMP_DIR_NAME) pending.push(path);
      } else if (dirent.isFile()) files.push(path);
    }
    wake?.();
    // One lstat at a time per worker: `concurrency` workers, `concurrency` calls in flight.
    for (const path of files) {
      const stats = await lstatOrMissing(join(root, path));
      if (stats?.isFile()) entries.push({ path, size: stats.size, lastUse: lastUseOf(stats) });
    }
  }

  async function worker(): Promise<void> {
    for (;;) {
      options.signal?.throwIfAborted();
      if (failed) return;
      const dir = pending.pop();
      if (dir === undefined) {
        if (busy === 0) return;
        // Another worker may still find subdirectories: wait for it to list or finish.
        await new Promise<void>((resolve) => {
          const previous = wake;
          wake = () => {
            wake = undefined;
            previous?.();
            resolve();
          };
        });
        continue;
      }
      busy += 1;
      try {
        await listOne(dir);
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        busy -= 1;
        wake?.();
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, worker));
  return entries;
}

async function listDir(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    // Removed meanwhile (a purge, an eviction tidying up): nothing left to count.
    if (isMissing(error)) return [];
    throw error;
  }
}

async function lstatOrMissing(file: string) {
  try {
    return await lstat(file);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
