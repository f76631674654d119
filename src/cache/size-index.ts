// The byte budget's index, in memory: the size of every file under CACHE_ROOT, kept current
// by the rendition store's writes and purges and rebuilt from walks of the root. Last uses
// are read from the disk by each walk; the index keeps only those the disk cannot know.

import { setImmediate } from 'node:timers/promises';
import type { CacheEntry } from './eviction-plan.js';

/** Entries handled between two turns of the event loop while a rebuild is finished. */
const SLICE = 20_000;

type Change =
  | { readonly kind: 'written'; readonly path: string; readonly size: number; readonly at: number }
  | { readonly kind: 'deleted'; readonly path: string };

export interface SizeIndex {
  /** True once a walk has completed: only then are `bytes` and `files` the whole cache. */
  readonly ready: boolean;
  readonly bytes: number;
  readonly files: number;
  /** A file (relative to CACHE_ROOT) was written at `at` (ms), `size` bytes. */
  written(path: string, size: number, at: number): void;
  /** A file, or a directory and everything under it, was deleted. */
  deleted(path: string): void;
  /** Node served an indexed file at `at` from memory: no read, so no atime records it. */
  used(path: string, at: number): void;
  /** Node's latest {@link used} of a file, if any. */
  lastUseOf(path: string): number | undefined;
  /** A walk starts: changes from now on are replayed over its result. */
  beginRebuild(): void;
  /**
   * The walk ended: its files, plus the changes made during it, become the index (`ready`
   * from then on). Resolves to every indexed file with its latest known use: the walk's, a
   * write during the walk, or a Node hit, whichever is newest.
   */
  finishRebuild(walked: readonly CacheEntry[]): Promise<CacheEntry[]>;
  /** The walk failed: the index stays as it was. */
  cancelRebuild(): void;
}

export function createSizeIndex(): SizeIndex {
  // One number per file: the index of a big cache must stay small (docs/caching.md#cache-budget).
  let sizes = new Map<string, number>();
  const hits = new Map<string, number>();
  let bytes = 0;
  let ready = false;
  // Changes made while a walk runs: the walk may have listed a file before or after each.
  let journal: Change[] | undefined;

  /** Applies a change to `target`; answers the change in bytes. */
  function apply(target: Map<string, number>, change: Change): number {
    const old = target.get(change.path);
    if (change.kind === 'written') {
      target.set(flat(change.path), change.size);
      return change.size - (old ?? 0);
    }
    // A file (an eviction, a crop purge): one lookup. A directory (a purge): one scan.
    if (old !== undefined) {
      target.delete(change.path);
      return -old;
    }
    let delta = 0;
    const prefix = `${change.path}/`;
    for (const [path, size] of target) {
      if (path.startsWith(prefix)) {
        target.delete(path);
        delta -= size;
      }
    }
    return delta;
  }

  function change(entry: Change): void {
    // A known file's hits go with it in one lookup; only a directory's need a scan.
    const knownFile = sizes.has(entry.path);
    bytes += apply(sizes, entry);
    if (entry.kind === 'deleted') {
      if (knownFile) hits.delete(entry.path);
      else apply(hits, entry);
    }
    journal?.push(entry);
  }

  return {
    get ready() {
      return ready;
    },
    get bytes() {
      return bytes;
    },
    get files() {
      return sizes.size;
    },
    written(path, size, at) {
      change({ kind: 'written', path, size, at });
    },
    deleted(path) {
      change({ kind: 'deleted', path });
    },
    used(path, at) {
      if (sizes.has(path) && at > (hits.get(path) ?? 0)) hits.set(path, at);
    },
    lastUseOf(path) {
      return hits.get(path);
    },
    beginRebuild() {
      journal = [];
    },
    async finishRebuild(walked) {
      // Changes keep going to the journal while the map is built a slice at a time, so a
      // walk of a million files never holds the event loop for long.
      const next = new Map<string, number>();
      for (let start = 0; start < walked.length; start += SLICE) {
        if (start > 0) await setImmediate();
        for (const { path, size } of walked.slice(start, start + SLICE)) next.set(path, size);
      }
      const writtenAt = new Map<string, number>();
      for (const entry of journal ?? []) {
        apply(next, entry);
        if (entry.kind === 'written') writtenAt.set(entry.path, entry.at);
      }
      sizes = next;
      journal = undefined;
      ready = true;
      bytes = 0;
      for (const size of sizes.values()) bytes += size;
      for (const path of hits.keys()) if (!sizes.has(path)) hits.delete(path);

      // A snapshot for planning: changes from here on are not in it, which is harmless, as
      // eviction checks every victim on disk again before it unlinks it.
      const entries: CacheEntry[] = [];
      for (let start = 0; start < walked.length; start += SLICE) {
        await setImmediate();
        for (const entry of walked.slice(start, start + SLICE)) {
          // Deleted or rewritten during the walk: the journal knows better.
          if (writtenAt.has(entry.path) || sizes.get(entry.path) !== entry.size) continue;
          const hit = hits.get(entry.path) ?? 0;
          entries.push(hit > entry.lastUse ? { ...entry, lastUse: hit } : entry);
        }
      }
      for (const [path, at] of writtenAt) {
        const size = sizes.get(path);
        if (size !== undefined) {
          entries.push({ path, size, lastUse: Math.max(at, hits.get(path) ?? 0) });
        }
      }
      return entries;
    },
    cancelRebuild() {
      journal = undefined;
    },
  };
}

/**
 * A flat copy of a path. V8 keeps a string built by concatenation as a rope, and a rope used
 * as a Map key keeps its flattened copy too: 229 bytes per entry instead of 93 (measured with
 * 34-character paths), 136 MB more per million renditions. walkCache builds flat paths itself.
 */
function flat(path: string): string {
  return path.split('/').join('/');
}
