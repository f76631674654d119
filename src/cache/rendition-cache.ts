// The rendition cache: what answers a rendition (memory, then a render under way, then the
// disk), rendering a missing one into the disk once for all callers (single-flight, the
// render queue, atomic writes), and invalidation (a delete, replace or PPOI change never
// leaves a stale file behind). What may be rendered, and in which format, is the caller's.

import type { FileHandle } from 'node:fs/promises';
import { readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { openInside, removeEmptyParents } from '../fs/inside-root.js';
import type { RenderQueue } from '../render/queue.js';
import type { RenderedImage, Renderer, RenderItem } from '../render/renderer.js';
import { renderTimeout } from '../render/sharp-errors.js';
import { mediaTypeFor, mediaTypeOfFormat } from '../url/media-types.js';
import type { FormatChoice } from '../url/negotiate.js';
import type { Ppoi, RenditionSpec } from '../url/rendition-spec.js';
import { isAnimatedWebp, standInFor, WEBP_HEADER_BYTES } from './animated-stand-in.js';
import { type WrittenFile, writeFileAtomic } from './atomic-write.js';
import type { CacheChangeListener } from './cache-budget.js';
import type { HotCache } from './hot-cache.js';
import { cacheCandidatesFor, cacheFileFor, isCropFile, TEMP_DIR_NAME } from './layout.js';
import { createMtimeFloor } from './mtime-floor.js';
import { createPurgeClock, type RenderTicket } from './purge-clock.js';
import { removeTree } from './remove-tree.js';
import { createSingleFlight } from './single-flight.js';
import type { Hold, ImageInput } from '../render/image-input.js';

/**
 * How the cache answered: held or on disk, a render it joined, a render of its own, or a
 * copy of the object another node rendered (RENDITION_STORE=s3).
 */
export type CacheOutcome = 'hit' | 'coalesced' | 'miss' | 'shared';

/** Bytes to send with their validators: in memory, or a file open for streaming (the caller closes it). */
export interface SendableFile {
  readonly body:
    | { readonly kind: 'buffer'; readonly buffer: Buffer }
    | { readonly kind: 'handle'; readonly handle: FileHandle };
  readonly size: number;
  readonly mtimeMs: number;
  readonly contentType: string;
}

/** A rendition ready to send. */
export interface CachedRendition extends SendableFile {
  readonly outcome: CacheOutcome;
  /** True for a rendition that could not be written to the disk: `Cache-Control: no-store`. */
  readonly noStore: boolean;
  /** The cache file (relative to CACHE_ROOT) of a rendition just rendered or copied. */
  readonly relative?: string;
}

/**
 * A rendition in memory. The hot cache holds these as they are answered, built once per
 * file read, so a hot hit allocates nothing.
 */
export type HeldRendition = CachedRendition & {
  readonly body: { readonly kind: 'buffer'; readonly buffer: Buffer };
};

/** A cache file that may answer a request: its absolute path and the type it is sent with. */
export interface Candidate {
  /** Relative to CACHE_ROOT, as the layout names it. */
  readonly relative: string;
  /** Absolute: the hot cache's key. */
  readonly file: string;
  readonly contentType: string;
}

/** What warming one original did. */
export interface WarmReport {
  // Mutable while a warm runs; callers get it when done.
  /** Cache files written, relative to CACHE_ROOT. */
  readonly created: string[];
  /** Renditions that were cached or being rendered already. */
  existing: number;
  readonly failed: { readonly item: RenderItem; readonly error: unknown }[];
}

export interface RenditionCacheOptions {
  /** Real (symlink-resolved) CACHE_ROOT. */
  readonly cacheRoot: string;
  /** Cache files up to this size are read into memory and held (HOT_FILE_MAX_BYTES). */
  readonly hotFileBytes: number;
  readonly renderer: Renderer;
  readonly queue: RenderQueue;
  readonly hotCache: HotCache<HeldRendition>;
  /** The PPOI set for an original; undefined (the default) lets crops follow CROP_STRATEGY. */
  readonly ppoiFor?: (path: string) => Ppoi | undefined;
  /** Callers stop waiting for a render this long after it started (RENDER_TIMEOUT_MS). */
  readonly timeoutMs: number;
  /** Told when a rendition could not be written to the cache (it is still served). */
  readonly onWriteError?: (error: unknown, relative: string) => void;
  /** Told of every cache file written and deleted (the byte budget's index). */
  readonly cacheChanges?: CacheChangeListener;
}

export interface RenditionCache {
  /** The cache files that may answer (spec, choice), in order of preference. */
  candidates(spec: RenditionSpec, choice: FormatChoice): readonly Candidate[];
  /** The rendition when it is held in memory, with no I/O and no promise: the hot path. */
  peek(candidates: readonly Candidate[]): HeldRendition | undefined;
  /** Memory first, then a render under way (no disk lookups while it runs), then the disk. */
  find(
    spec: RenditionSpec,
    choice: FormatChoice,
    candidates: readonly Candidate[],
  ): Promise<CachedRendition | undefined>;
  /**
   * Renders one rendition of `original` into the cache, once for all callers. `hold` (the
   * original's) is taken when the render starts and ended when it does, even after
   * RENDER_TIMEOUT has answered the caller.
   */
  render(
    original: ImageInput,
    spec: RenditionSpec,
    choice: FormatChoice,
    hold?: Hold,
  ): Promise<CachedRendition>;
  /**
   * Answers the bytes `fetch` finds (a shared object: its cache file and body) at once, and
   * writes them behind the answer as that local cache file, unless the original was purged
   * since `adopt` was called. Undefined when `fetch` finds nothing.
   */
  adopt(
    spec: RenditionSpec,
    fetch: () => Promise<{ relative: string; body: Buffer } | undefined>,
  ): Promise<CachedRendition | undefined>;
  /** Renders every missing item of one original from one decode, sharing single-flight with `render`. */
  warm(
    original: ImageInput,
    path: string,
    items: readonly RenderItem[],
    hold?: Hold,
  ): Promise<WarmReport>;
  /** Deletes the renditions of `path` (all, or only crops) and stops in-flight renders from landing. */
  purge(path: string, which: 'all' | 'crop'): Promise<void>;
  /** Deletes every cached rendition (files and memory) and stops in-flight renders from landing. */
  purgeEverything(): Promise<void>;
  readonly counters: { renders: number };
}

/** The single-flight key of one cache file; all fallbacks of a spec share one. */
function flightKey(spec: RenditionSpec, choice: FormatChoice): string {
  return choice.kind === 'original'
    ? `${cacheFileFor(spec, choice, 'jpg')}?fallback`
    : cacheFileFor(spec, choice, choice.format);
}

export function createRenditionCache(options: RenditionCacheOptions): RenditionCache {
  const { cacheRoot, hotCache, renderer, queue } = options;
  const flights = createSingleFlight<HeldRendition>();
  const ppoiFor = options.ppoiFor ?? (() => undefined);
  // A render that started before its image's last purge must not be stored.
  const clock = createPurgeClock();
  // A rendition written after a purge gets a later mtime second than the purged one had.
  const floors = createMtimeFloor();
  const counters = { renders: 0 };
  // Copied-in renditions whose files are still being written, by absolute cache file.
  const landing = new Map<string, HeldRendition>();

  async function store(
    spec: RenditionSpec,
    choice: FormatChoice,
    image: RenderedImage,
    ticket: RenderTicket,
  ): Promise<HeldRendition> {
    const relative = cacheFileFor(spec, choice, image.format);
    const contentType = mediaTypeOfFormat(image.format);
    const body = { kind: 'buffer', buffer: image.body } as const;
    // Not on disk (no-store): validators of this answer alone.
    const uncached: HeldRendition = {
      body,
      size: image.body.length,
      mtimeMs: Date.now(),
      contentType,
      outcome: 'miss',
      noStore: true,
      relative,
    };
    let written: WrittenFile | undefined;
    try {
      written = await writeFileAtomic(cacheRoot, relative, image.body, {
        stillWanted: () => clock.stillWanted(spec.path, ticket),
        minMtimeMs: floors.floorFor(spec.path, Date.now()),
      });
    } catch (error) {
      // Disk full or unwritable: the render is still good, answer it from memory.
      options.onWriteError?.(error, relative);
      return uncached;
    }
    // Purged meanwhile: answer this one request from memory, cache nothing.
    if (written === undefined) return uncached;
    // Validators come from the file nginx will serve later, so both agree. Not a stat of the
    // target: a purge may have moved it away already (that answered 500 during a replace).
    const { mtimeMs, size } = written;
    // Not into the hot cache yet: most misses are never asked for again (unique sizes, a
    // crawler); the first hit from disk promotes a rendition, keeping RSS flat under misses.
    options.cacheChanges?.written(relative, size);
    return { body, size, mtimeMs, contentType, outcome: 'miss', noStore: false, relative };
  }

  /**
   * Answers a copied-in rendition at once and writes its file behind the answer: the
   * validators are chosen now and the file gets exactly that mtime, so nginx's later ones
   * agree. Until the file lands, `find` and `peek` answer it from `landing`.
   */
  function land(
    path: string,
    relative: string,
    buffer: Buffer,
    ticket: RenderTicket,
  ): HeldRendition {
    const file = join(cacheRoot, relative);
    const mtimeMs = floors.floorFor(path, Date.now()) ?? Date.now();
    const held: HeldRendition = {
      body: { kind: 'buffer', buffer },
      size: buffer.length,
      mtimeMs,
      contentType: mediaTypeFor(relative),
      outcome: 'shared',
      noStore: false,
      relative,
    };
    // Later requests find it as a hit, as they will the file.
    const asHit: HeldRendition = { ...held, outcome: 'hit' };
    landing.set(file, asHit);
    writeFileAtomic(cacheRoot, relative, buffer, {
      stillWanted: () => clock.stillWanted(path, ticket),
      mtimeMs,
    })
      .then((written) => {
        if (written !== undefined) options.cacheChanges?.written(relative, written.size);
      })
      .catch((error: unknown) => options.onWriteError?.(error, relative))
      .finally(() => {
        ticket.end();
        if (landing.get(file) === asHit) landing.delete(file);
      });
    return held;
  }

  /**
   * Runs `work` in a render slot; callers get RENDER_TIMEOUT once it has run `timeoutMs`.
   * libvips cannot be interrupted everywhere (AVIF encoding ignores sharp's timeout), so the
   * work goes on holding its slot (the concurrency bound stays true) and still stores its
   * result: a retry then finds it cached.
   */
  function runWithDeadline<T>(work: () => Promise<T>, hold: Hold | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      queue
        .run(async () => {
          const done = hold?.();
          const timer = setTimeout(() => reject(renderTimeout()), options.timeoutMs);
          try {
            return await work();
          } finally {
            clearTimeout(timer);
            done?.();
          }
        })
        .then(resolve, reject);
    });
  }

  async function purge(path: string, which: 'all' | 'crop'): Promise<void> {
    clock.purged(path);
    floors.purged(path, Date.now());
    // Renders of the old original still answer their own callers, never new ones.
    flights.forget((key) => key.startsWith(`${path}/`) && (which === 'all' || isCropFile(key)));
    const dir = join(cacheRoot, path);
    for (const file of landing.keys()) {
      if (file.startsWith(`${dir}/`) && (which === 'all' || isCropFile(file))) landing.delete(file);
    }
    if (which === 'all') {
      hotCache.deletePrefix(dir);
      await removeTree(cacheRoot, dir);
      options.cacheChanges?.deleted(path);
      await removeEmptyParents(cacheRoot, dirname(dir));
      return;
    }
    const files = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
    await Promise.all(
      files
        .filter((file) => isCropFile(file))
        .map((file) => {
          hotCache.delete(join(dir, file));
          return rm(join(dir, file), { force: true }).then(() =>
            options.cacheChanges?.deleted(`${path}/${file}`),
          );
        }),
    );
  }

  // Candidates per parsed spec and format choice. The HTTP layer reuses parsed specs for
  // repeated URLs, so hot hits skip formatting paths; specs no longer used are collected.
  const candidatesBySpec = new WeakMap<RenditionSpec, Map<string, readonly Candidate[]>>();

  function candidates(spec: RenditionSpec, choice: FormatChoice): readonly Candidate[] {
    let byChoice = candidatesBySpec.get(spec);
    if (byChoice === undefined) {
      byChoice = new Map();
      candidatesBySpec.set(spec, byChoice);
    }
    const key = choice.kind === 'original' ? choice.kind : `${choice.kind}:${choice.format}`;
    let found = byChoice.get(key);
    if (found === undefined) {
      found = cacheCandidatesFor(spec, choice).map((relative) => ({
        relative,
        file: join(cacheRoot, relative),
        contentType: mediaTypeFor(relative),
      }));
      byChoice.set(key, found);
    }
    return found;
  }

  /** The first cache file on disk that answers; small ones are promoted to memory. */
  async function findOnDisk(
    candidates: readonly Candidate[],
  ): Promise<CachedRendition | undefined> {
    for (const { relative, file: path, contentType } of candidates) {
      const file = await openInside(cacheRoot, relative);
      if (file === undefined) continue;
      const { size, mtimeMs } = file.stats;
      if (size > options.hotFileBytes) {
        const body = { kind: 'handle', handle: file.handle } as const;
        return { body, size, mtimeMs, contentType, outcome: 'hit', noStore: false };
      }
      try {
        // One read of the size fstat gave (readFile would fstat again).
        const buffer = Buffer.allocUnsafe(size);
        const { bytesRead } = await file.handle.read(buffer, 0, size, 0);
        if (bytesRead !== size) continue; // replaced under us: try the next candidate
        const held: HeldRendition = {
          body: { kind: 'buffer', buffer },
          size,
          mtimeMs,
          contentType,
          outcome: 'hit',
          noStore: false,
        };
        hotCache.set(path, held);
        return held;
      } finally {
        await file.handle.close();
      }
    }
    return undefined;
  }

  /** An animated WebP standing in for a negotiated AVIF (animated-stand-in.ts), if cached. */
  async function findStandIn(
    spec: RenditionSpec,
    choice: FormatChoice,
  ): Promise<CachedRendition | undefined> {
    const standIn = standInFor(choice);
    if (standIn === undefined) return undefined;
    const [candidate] = candidates(spec, standIn);
    if (candidate === undefined) return undefined;
    const hot = await hotCache.get(candidate.file);
    if (hot !== undefined) return isAnimatedWebp(hot.body.buffer) ? hot : undefined;
    const found = await findOnDisk([candidate]);
    if (found === undefined) return undefined;
    if (found.body.kind === 'buffer') return isAnimatedWebp(found.body.buffer) ? found : undefined;
    const header = Buffer.alloc(WEBP_HEADER_BYTES);
    await found.body.handle.read(header, 0, WEBP_HEADER_BYTES, 0);
    if (isAnimatedWebp(header)) return found;
    await found.body.handle.close();
    return undefined;
  }

  async function hasStandIn(item: RenderItem): Promise<boolean> {
    const found = await findStandIn(item.spec, item.choice);
    if (found?.body.kind === 'handle') await found.body.handle.close();
    return found !== undefined;
  }

  return {
    candidates,

    peek(candidates) {
      for (const candidate of candidates) {
        const held = hotCache.peek(candidate.file) ?? landing.get(candidate.file);
        if (held !== undefined) return held;
      }
      return undefined;
    },

    async find(spec, choice, candidates) {
      for (const candidate of candidates) {
        const held = (await hotCache.get(candidate.file)) ?? landing.get(candidate.file);
        if (held !== undefined) return held;
      }
      const inFlight = flights.running(flightKey(spec, choice));
      if (inFlight !== undefined) return answerOf(await inFlight, 'coalesced');
      return (await findOnDisk(candidates)) ?? findStandIn(spec, choice);
    },

    async render(original, spec, choice, hold) {
      const { value, shared } = await flights.run(flightKey(spec, choice), () =>
        runWithDeadline(async () => {
          const ticket = clock.begin();
          try {
            counters.renders += 1;
            const image = await renderer.render(original, spec, choice, ppoiFor(spec.path));
            return await store(spec, choice, image, ticket);
          } finally {
            ticket.end();
          }
        }, hold),
      );
      return answerOf(value, shared ? 'coalesced' : 'miss');
    },

    async adopt(spec, fetch) {
      // Taken before the fetch: a purge while the object downloads keeps it out of the cache.
      const ticket = clock.begin();
      let found: { relative: string; body: Buffer } | undefined;
      try {
        found = await fetch();
      } catch (error) {
        ticket.end();
        throw error;
      }
      if (found === undefined) {
        ticket.end();
        return undefined;
      }
      return land(spec.path, found.relative, found.body, ticket);
    },

    async warm(original, path, items, hold) {
      const report: WarmReport = { created: [], existing: 0, failed: [] };
      const claimed: { item: RenderItem; claim: NonNullable<ReturnType<typeof flights.claim>> }[] =
        [];
      const others: Promise<unknown>[] = [];
      for (const item of items) {
        const key = flightKey(item.spec, item.choice);
        const running = flights.running(key);
        if (
          running !== undefined ||
          (await isCached(cacheRoot, item)) ||
          (await hasStandIn(item))
        ) {
          report.existing += 1;
          if (running !== undefined) others.push(running.catch(() => undefined));
          continue;
        }
        const claim = flights.claim(key);
        if (claim === undefined) report.existing += 1;
        else claimed.push({ item, claim });
      }
      if (claimed.length > 0) {
        try {
          await runWithDeadline(async () => {
            const ticket = clock.begin();
            try {
              counters.renders += claimed.length;
              const results = await renderer.renderMany(
                original,
                claimed.map((c) => c.item),
                ppoiFor(path),
              );
              await Promise.all(
                claimed.map(async ({ item, claim }, index) => {
                  const result = results[index] as PromiseSettledResult<RenderedImage>;
                  try {
                    if (result.status === 'rejected') throw result.reason;
                    const stored = await store(item.spec, item.choice, result.value, ticket);
                    report.created.push(cacheFileFor(item.spec, item.choice, result.value.format));
                    claim.resolve(stored);
                  } catch (error) {
                    report.failed.push({ item, error });
                    claim.reject(error);
                  }
                }),
              );
            } finally {
              ticket.end();
            }
          }, hold);
        } catch (error) {
          // The whole batch failed (queue full, unreadable original): every claim fails.
          for (const { item, claim } of claimed) {
            if (!report.failed.some((f) => f.item === item)) report.failed.push({ item, error });
            claim.reject(error);
          }
        }
      }
      await Promise.all(others);
      return report;
    },

    purge,
    async purgeEverything() {
      clock.purgedAll();
      const names = await readdir(cacheRoot).catch(() => [] as string[]);
      // Each top-level directory is the first segment of media paths: purge it like one.
      await Promise.all(
        names.filter((name) => name !== TEMP_DIR_NAME).map((name) => purge(name, 'all')),
      );
    },
    counters,
  };
}

/** A rendition just rendered, as the answer to a caller that made it or joined it. */
function answerOf(value: HeldRendition, outcome: CacheOutcome): CachedRendition {
  return value.outcome === outcome ? value : { ...value, outcome };
}

/** Whether any cache file that would answer this item exists (the same candidates a request tries). */
async function isCached(cacheRoot: string, item: RenderItem): Promise<boolean> {
  for (const relative of cacheCandidatesFor(item.spec, item.choice)) {
    if (
      await stat(join(cacheRoot, relative)).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}
