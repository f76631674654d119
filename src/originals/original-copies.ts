// The bounded local read-through cache of originals kept in object storage: one copy per
// path (its newest version), fetched once for all callers (single-flight per path), evicted
// least recently used past ORIGINALS_CACHE_BYTES, never while a render still reads it.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createSingleFlight } from '../cache/single-flight.js';

/** A local copy of one version of an original. */
export interface Copy {
  readonly path: string;
  readonly version: string;
  readonly file: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A copy in use: `release` once sharp is done with its file. */
export interface LeasedCopy extends Copy {
  release(): void;
}

/** What a (conditional) fetch brought: a new version written to `file`, or "unchanged". */
export type Fetched =
  | { readonly kind: 'unchanged' }
  | {
      readonly kind: 'fetched';
      readonly version: string;
      readonly size: number;
      readonly mtimeMs: number;
    };

export interface OriginalCopiesOptions {
  /** A dir of this process's own (removed at start and shutdown by temp-file cleaning). */
  readonly dir: string;
  /** ORIGINALS_CACHE_BYTES: copies beyond it are evicted once no render reads them. */
  readonly maxBytes: number;
  /** A copy verified longer ago than this is checked again before it is used. */
  readonly freshMs: number;
  /**
   * Fetches `path` into `file`, or answers "unchanged" when `known` (the version of the copy
   * held) is still current. Throws what the store throws (not found, unavailable, too large).
   */
  readonly fetch: (path: string, file: string, known: string | undefined) => Promise<Fetched>;
  /** A copy was found out of date (its path changed behind our back); awaited before use. */
  readonly onChanged: (path: string, from: string, to: string) => Promise<void>;
  readonly now?: () => number;
}

export interface OriginalCopies {
  /** The current copy of `path`, fetched or revalidated first if needed; leased. */
  lease(path: string): Promise<LeasedCopy>;
  /** Takes `file` (a complete, validated local file) as the copy of `path` at `version`. */
  adopt(
    path: string,
    file: string,
    version: { version: string; size: number; mtimeMs: number },
  ): Promise<void>;
  /** Drops the copy of `path` (deleted or known changed); removed once unleased. */
  drop(path: string): void;
  /** Bytes held now. */
  readonly bytes: number;
}

interface Entry extends Copy {
  verifiedAt: number;
  leases: number;
  /** Dropped or replaced: its file goes once the last lease ends. */
  retired: boolean;
}

export function createOriginalCopies(options: OriginalCopiesOptions): OriginalCopies {
  const now = options.now ?? Date.now;
  // In use order: the first entry is the least recently used.
  const entries = new Map<string, Entry>();
  const flights = createSingleFlight<Entry>();
  let bytes = 0;
  let made: Promise<void> | undefined;

  function fileFor(): string {
    return join(options.dir, `${randomBytes(8).toString('hex')}.copy`);
  }

  function touch(entry: Entry): void {
    entries.delete(entry.path);
    entries.set(entry.path, entry);
  }

  function retire(entry: Entry): void {
    if (entries.get(entry.path) === entry) entries.delete(entry.path);
    if (entry.retired) return;
    entry.retired = true;
    bytes -= entry.size;
    if (entry.leases === 0) void rm(entry.file, { force: true });
  }

  function evict(): void {
    for (const entry of entries.values()) {
      if (bytes <= options.maxBytes) return;
      if (entry.leases === 0) retire(entry);
    }
  }

  function install(path: string, file: string, version: Omit<Copy, 'path' | 'file'>): Entry {
    const old = entries.get(path);
    if (old !== undefined) retire(old);
    const entry: Entry = { path, file, ...version, verifiedAt: now(), leases: 0, retired: false };
    entries.set(path, entry);
    bytes += entry.size;
    return entry;
  }

  function leased(entry: Entry): LeasedCopy {
    entry.leases += 1;
    touch(entry);
    let released = false;
    return {
      path: entry.path,
      version: entry.version,
      file: entry.file,
      size: entry.size,
      mtimeMs: entry.mtimeMs,
      release() {
        if (released) return;
        released = true;
        entry.leases -= 1;
        if (entry.leases === 0 && entry.retired) void rm(entry.file, { force: true });
        evict();
      },
    };
  }

  async function refresh(path: string): Promise<Entry> {
    made ??= mkdir(options.dir, { recursive: true }).then(() => undefined);
    await made;
    const held = entries.get(path);
    const file = fileFor();
    let fetched: Fetched;
    try {
      fetched = await options.fetch(path, file, held?.version);
    } catch (error) {
      await rm(file, { force: true });
      // Gone or unreadable now: the old copy must not answer again.
      if (held !== undefined) retire(held);
      throw error;
    }
    if (fetched.kind === 'unchanged' && held !== undefined && !held.retired) {
      held.verifiedAt = now();
      return held;
    }
    if (fetched.kind === 'unchanged') throw new Error(`no copy of ${path} to keep`);
    if (held !== undefined && held.version !== fetched.version) {
      await options.onChanged(path, held.version, fetched.version);
    }
    // Not evicted here: its callers lease it first (lease() evicts after).
    return install(path, file, fetched);
  }

  return {
    async lease(path) {
      const held = entries.get(path);
      if (held !== undefined && now() - held.verifiedAt < options.freshMs) return leased(held);
      // Lease inside the flight's continuation, before eviction can see the fresh entry idle.
      for (;;) {
        const { value } = await flights.run(path, () => refresh(path));
        if (!value.retired) {
          const copy = leased(value);
          evict();
          return copy;
        }
        // Retired between the fetch and this caller's turn (evicted, or dropped): again.
      }
    },

    async adopt(path, file, version) {
      made ??= mkdir(options.dir, { recursive: true }).then(() => undefined);
      await made;
      const target = fileFor();
      await rename(file, target);
      install(path, target, version);
      evict();
    },

    drop(path) {
      const held = entries.get(path);
      if (held !== undefined) retire(held);
      flights.forget((key) => key === path);
    },

    get bytes() {
      return bytes;
    },
  };
}
