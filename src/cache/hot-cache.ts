// Hot renditions in memory (bounded in bytes) for when Node serves hits without nginx.

import { stat } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';

/**
 * What the hot cache holds: any value carrying the validators of the file it was read from.
 * The rendition cache holds its answers themselves, built once, so a hit allocates nothing.
 */
export interface HotValue {
  readonly mtimeMs: number;
  readonly size: number;
}

interface Entry<T> {
  readonly value: T;
  checkedAt: number;
}

export interface HotCacheOptions {
  /** Total bytes held; 0 turns the cache off. */
  readonly maxBytes: number;
  /** Files larger than this are never held. */
  readonly maxFileBytes: number;
  /**
   * How stale an entry may be before its file is stat-ed again, in ms. Bounds how long a
   * file deleted or replaced by another process (`rendition gc`, an operator) is still served.
   */
  readonly revalidateMs?: number;
}

export interface HotCache<T extends HotValue = HotValue> {
  /** The held file, re-checked against the disk at most every `revalidateMs`. */
  get(file: string): Promise<T | undefined>;
  /**
   * The held file only if it was checked against the disk within `revalidateMs`, with no
   * I/O at all: the synchronous hit path. Undefined means "ask `get`", not "missing".
   */
  peek(file: string): T | undefined;
  /** Holds a file if it fits. */
  set(file: string, value: T): void;
  /** Drops one file's entry. */
  delete(file: string): void;
  /** Drops every entry under a directory (a scan of every entry held). */
  deletePrefix(prefix: string): void;
  readonly bytes: number;
}

export function createHotCache<T extends HotValue>(options: HotCacheOptions): HotCache<T> {
  const revalidateMs = options.revalidateMs ?? 1000;
  const enabled = options.maxBytes > 0 && options.maxFileBytes > 0;
  const lru = new LRUCache<string, Entry<T>>({
    maxSize: Math.max(1, options.maxBytes),
    sizeCalculation: (entry) => Math.max(1, entry.value.size),
  });

  return {
    async get(file) {
      if (!enabled) return undefined;
      const entry = lru.get(file);
      if (entry === undefined) return undefined;
      const now = Date.now();
      if (now - entry.checkedAt > revalidateMs) {
        const current = await stat(file).catch(() => undefined);
        if (
          current === undefined ||
          current.mtimeMs !== entry.value.mtimeMs ||
          current.size !== entry.value.size
        ) {
          lru.delete(file);
          return undefined;
        }
        entry.checkedAt = now;
      }
      return entry.value;
    },
    peek(file) {
      if (!enabled) return undefined;
      const entry = lru.get(file);
      if (entry === undefined || Date.now() - entry.checkedAt > revalidateMs) return undefined;
      return entry.value;
    },
    set(file, value) {
      if (!enabled || value.size > options.maxFileBytes) return;
      lru.set(file, { value, checkedAt: Date.now() });
    },
    delete(file) {
      lru.delete(file);
    },
    deletePrefix(prefix) {
      for (const key of lru.keys()) {
        if (key === prefix || key.startsWith(`${prefix}/`)) lru.delete(key);
      }
    },
    get bytes() {
      return lru.calculatedSize;
    },
  };
}
