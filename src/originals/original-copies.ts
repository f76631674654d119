// The bounded local read-through cache of originals kept in object storage: one copy per
// path (its newest version), fetched once for all callers (single-flight per path), evicted
// least recently used past ORIGINALS_CACHE_BYTES, never while a render still reads it. A
// fetch answers from memory at once; its file is written behind, for the renders after it.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSingleFlight } from '../cache/single-flight.js';
import type { Hold, ImageInput } from '../render/image-input.js';
import { createBufferPool } from './buffer-pool.js';

/** One version of an original held by this node. */
export interface Copy {
  readonly path: string;
  readonly version: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A copy in use: `release` once sharp is done with `input`. */
export interface LeasedCopy extends Copy {
  /** The fetched bytes while their file is still being written (or never is), else the file. */
  readonly input: ImageInput;
  release(): void;
  /**
   * Keeps `input` readable past `release` for work that outlives its caller (a render past
   * RENDER_TIMEOUT goes on): call what it returns once that work is done.
   */
  readonly hold: Hold;
}

/** How much of an object a fetch may keep in memory, and where it puts those bytes. */
export interface FetchMemory {
  readonly bytes: number;
  /** A buffer of `size` bytes (used again once nothing reads it). */
  allocate(size: number): Buffer;
}

/** What a (conditional) fetch brought: a new version, or "unchanged". */
export type Fetched =
  | { readonly kind: 'unchanged' }
  | {
      readonly kind: 'fetched';
      readonly version: string;
      readonly size: number;
      readonly mtimeMs: number;
      /** The object in memory; absent when it was written to the fetch's `file` instead. */
      readonly bytes?: Buffer;
    };

export interface OriginalCopiesOptions {
  /** A dir of this process's own (removed at start and shutdown by temp-file cleaning). */
  readonly dir: string;
  /** ORIGINALS_CACHE_BYTES: copies beyond it are evicted once no render reads them. */
  readonly maxBytes: number;
  /**
   * Fetched bytes held in memory at once, by copies not yet written and the renders reading
   * them; a fetch past it goes to its file (the fetch is told how many bytes it may keep).
   */
  readonly memoryBytes: number;
  /** A copy verified longer ago than this is checked again before it is used. */
  readonly freshMs: number;
  /**
   * Fetches `path` into memory (when it is at most `memoryBytes`) or into `file`, or answers
   * "unchanged" when `known` (the version of the copy held) is still current. Throws what
   * the store throws (not found, unavailable, too large).
   */
  readonly fetch: (
    path: string,
    file: string,
    known: string | undefined,
    memory: FetchMemory,
  ) => Promise<Fetched>;
  /** A copy was found out of date (its path changed behind our back); awaited before use. */
  readonly onChanged: (path: string, from: string, to: string) => Promise<void>;
  readonly now?: () => number;
}

export interface OriginalCopies {
  /** The current copy of `path`, fetched or revalidated first if needed; leased. */
  lease(path: string): Promise<LeasedCopy>;
  /** Takes `file` (a complete, validated local file) as the copy of `path` at `version`. */
  adopt(path: string, file: string, version: Omit<Copy, 'path'>): Promise<void>;
  /** Drops the copy of `path` (deleted or known changed); removed once unleased. */
  drop(path: string): void;
  /** Bytes held now. */
  readonly bytes: number;
  /** Fetched bytes in memory now (see {@link OriginalCopiesOptions.memoryBytes}). */
  readonly inMemory: number;
}

interface Entry extends Copy {
  /** Where the copy is (or will be) on disk. */
  readonly file: string;
  /** The bytes until `file` is written; kept for good by a copy too large to keep at all. */
  bytes: Buffer | undefined;
  /** The fetched bytes' buffer, back to the pool once nothing holds it. */
  memory: Buffer | undefined;
  /** Settles once `file` is written, or failed to be (then the entry is retired). */
  written: Promise<void>;
  /** What holds the fetched bytes: the entry while `bytes` is set, and leases given them. */
  holders: number;
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
  let inMemory = 0;
  let made: Promise<void> | undefined;
  const pool = createBufferPool(options.memoryBytes);

  function fileFor(): string {
    return join(options.dir, `${randomBytes(8).toString('hex')}.copy`);
  }

  function touch(entry: Entry): void {
    entries.delete(entry.path);
    entries.set(entry.path, entry);
  }

  /** Removes the entry's file, after its write if that is still under way. */
  function removeFile(entry: Entry): void {
    // One left behind (the dir itself gone) is removed with the dir at the next start.
    void entry.written.then(() => rm(entry.file, { force: true })).catch(() => {});
  }

  function letGo(entry: Entry): void {
    entry.holders -= 1;
    if (entry.holders > 0) return;
    inMemory -= entry.size;
    if (entry.memory !== undefined) pool.give(entry.memory, inMemory);
    entry.memory = undefined;
  }

  /** The entry stops holding its fetched bytes (leases given them keep theirs). */
  function dropBytes(entry: Entry): void {
    if (entry.bytes === undefined) return;
    entry.bytes = undefined;
    letGo(entry);
  }

  function retire(entry: Entry): void {
    if (entries.get(entry.path) === entry) entries.delete(entry.path);
    if (entry.retired) return;
    entry.retired = true;
    bytes -= entry.size;
    dropBytes(entry);
    if (entry.leases === 0) removeFile(entry);
  }

  function evict(): void {
    for (const entry of entries.values()) {
      if (bytes <= options.maxBytes) return;
      if (entry.leases === 0) retire(entry);
    }
  }

  /** A copy at `file`, or to be written there from `bytes`. */
  function install(
    path: string,
    version: Omit<Copy, 'path'>,
    file: string,
    fetched?: Buffer,
  ): Entry {
    const old = entries.get(path);
    if (old !== undefined) retire(old);
    const entry: Entry = {
      path,
      version: version.version,
      size: version.size,
      mtimeMs: version.mtimeMs,
      file,
      bytes: fetched,
      memory: fetched,
      written: Promise.resolve(),
      holders: fetched === undefined ? 0 : 1,
      verifiedAt: now(),
      leases: 0,
      retired: false,
    };
    if (fetched !== undefined) {
      inMemory += entry.size;
      entry.written = writeBehind(entry, fetched);
    }
    entries.set(path, entry);
    bytes += entry.size;
    return entry;
  }

  /**
   * Writes the fetched bytes to the entry's file, then lets them go. A copy larger than
   * ORIGINALS_CACHE_BYTES is evicted when its render ends: it is never written.
   */
  async function writeBehind(entry: Entry, fetched: Buffer): Promise<void> {
    if (entry.size > options.maxBytes) return;
    try {
      await writeFile(entry.file, fetched);
      dropBytes(entry);
    } catch {
      // A full disk: the renders under way keep their bytes; the next one fetches again.
      await rm(entry.file, { force: true }).catch(() => {});
      retire(entry);
    }
  }

  function leased(entry: Entry): LeasedCopy {
    touch(entry);
    const given = entry.bytes;
    /** One hold on the entry (and on its bytes, when given them); the function ends it. */
    const take = () => {
      entry.leases += 1;
      if (given !== undefined) entry.holders += 1;
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        if (given !== undefined) letGo(entry);
        entry.leases -= 1;
        if (entry.leases === 0 && entry.retired) removeFile(entry);
        evict();
      };
    };
    return {
      path: entry.path,
      version: entry.version,
      input: given ?? entry.file,
      size: entry.size,
      mtimeMs: entry.mtimeMs,
      release: take(),
      hold: take,
    };
  }

  async function refresh(path: string): Promise<Entry> {
    made ??= mkdir(options.dir, { recursive: true }).then(() => undefined);
    await made;
    const held = entries.get(path);
    const file = fileFor();
    let fetched: Fetched;
    try {
      fetched = await options.fetch(path, file, held?.version, {
        bytes: Math.max(0, options.memoryBytes - inMemory),
        allocate: (size) => pool.take(size),
      });
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
      try {
        await options.onChanged(path, held.version, fetched.version);
      } catch (error) {
        await rm(file, { force: true });
        throw error;
      }
    }
    // Not evicted here: its callers lease it first (lease() evicts after).
    return install(path, fetched, file, fetched.bytes);
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
      install(path, version, target);
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

    get inMemory() {
      return inMemory;
    },
  };
}
