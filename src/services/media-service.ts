// Serves media URLs: originals from MEDIA_ROOT, renditions from the cache or rendered once.

import type { FileHandle } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LRUCache } from 'lru-cache';
import type { HotCache, HotFile } from '../cache/hot-cache.js';
import { cacheCandidatesFor } from '../cache/layout.js';
import { AppError } from '../errors.js';
import { openInside } from '../fs/inside-root.js';
import { originalFile, originalNotFound } from '../media/originals.js';
import { mediaTypeFor } from '../url/media-types.js';
import { chooseFormat, type FormatChoice, variesWithAccept } from '../url/negotiate.js';
import type { OutputFormat, RenditionSpec } from '../url/rendition-spec.js';
import type { MediaTarget } from '../url/rendition-url.js';
import { checkSizeAllowed, type SizesPolicy } from '../url/sizes-policy.js';
import type { RenditionStore, StoredRendition } from './rendition-store.js';

/** How a request was answered, for logs, metrics and tests. */
export type Outcome = 'original' | 'hit' | 'miss' | 'coalesced';

/** A file held in memory, ready to send. */
export type InMemoryFile = ServedFile & {
  readonly body: { readonly kind: 'buffer'; readonly buffer: Buffer };
};

/** A file ready to send: in memory, or open for streaming (the caller closes it). */
export interface ServedFile {
  readonly body:
    | { readonly kind: 'buffer'; readonly buffer: Buffer }
    | { readonly kind: 'handle'; readonly handle: FileHandle };
  readonly size: number;
  readonly mtimeMs: number;
  readonly contentType: string;
  readonly varyAccept: boolean;
  readonly outcome: Outcome;
  /** True for a rendition that could not be cached: `Cache-Control: no-store`. */
  readonly noStore?: boolean;
  /** Set on a fallback image's answer (FALLBACK_STATUS); absent: 200. */
  readonly status?: 200 | 404;
}

export interface MediaServiceOptions {
  /** Real (symlink-resolved) absolute roots. */
  readonly mediaRoot: string;
  readonly cacheRoot: string;
  readonly preferredFormats: readonly OutputFormat[];
  readonly sizes: SizesPolicy;
  readonly hotFileBytes: number;
  readonly hotCache: HotCache;
  readonly store: RenditionStore;
  /** Throws when this node may not render now (REGISTRY_UNAVAILABLE: out of step with the others). */
  readonly checkInStep?: () => void;
  /** When set, only originals it accepts are rendered (REQUIRE_REGISTRATION). */
  readonly isRenderable?: (path: string) => boolean;
}

/**
 * A media request decided once: the sizes policy applied, the format chosen and the cache
 * files that may answer it listed. Both the hot path and `serve` take it as it is.
 */
export type ResolvedTarget =
  | { readonly kind: 'original'; readonly target: MediaTarget & { kind: 'original' } }
  | {
      readonly kind: 'rendition';
      readonly target: MediaTarget & { kind: 'rendition' };
      readonly accept: string | undefined;
      readonly signed: boolean;
      readonly choice: FormatChoice;
      readonly varyAccept: boolean;
      /** Cache files that answer it, in order of preference. */
      readonly candidates: readonly Candidate[];
    };

export interface MediaService {
  /**
   * Applies the sizes policy and chooses the format; throws SIZE_NOT_ALLOWED for a size the
   * policy refuses. `signed`: the URL carries a valid signature, so any size within the
   * bounds is allowed.
   */
  resolve(target: MediaTarget, accept: string | undefined, signed?: boolean): ResolvedTarget;
  serve(resolved: ResolvedTarget): Promise<ServedFile>;
  /**
   * The answer when it is a rendition held in memory and checked recently, with no I/O and
   * no promise: the hot path. Undefined means "call `serve`".
   */
  serveHot(resolved: ResolvedTarget): InMemoryFile | undefined;
}

type Found = Pick<ServedFile, 'body' | 'size' | 'mtimeMs' | 'contentType'>;

/** A cache file that may answer a request: its absolute path and the type it is sent with. */
export interface Candidate {
  /** Relative to CACHE_ROOT, as the layout names it. */
  readonly relative: string;
  /** Absolute: the hot cache's key. */
  readonly file: string;
  readonly contentType: string;
}

export function createMediaService(options: MediaServiceOptions): MediaService {
  const { mediaRoot, cacheRoot, hotCache, store } = options;
  // Originals that failed validation, by real path, until they change (mtime or size).
  const refused = new LRUCache<string, { version: string; error: AppError }>({ max: 1000 });

  async function serveOriginal(path: string): Promise<ServedFile> {
    const file = await openInside(mediaRoot, path);
    if (file === undefined) throw originalNotFound(path);
    return {
      body: { kind: 'handle', handle: file.handle },
      size: file.stats.size,
      mtimeMs: file.stats.mtimeMs,
      contentType: mediaTypeFor(path),
      varyAccept: false,
      outcome: 'original',
    };
  }

  // Candidates per parsed spec and format choice. The HTTP layer reuses parsed specs for
  // repeated URLs, so hot hits skip formatting paths; specs no longer used are collected.
  const candidatesBySpec = new WeakMap<RenditionSpec, Map<string, readonly Candidate[]>>();

  function candidatesFor(spec: RenditionSpec, choice: FormatChoice): readonly Candidate[] {
    let byChoice = candidatesBySpec.get(spec);
    if (byChoice === undefined) {
      byChoice = new Map();
      candidatesBySpec.set(spec, byChoice);
    }
    const key = choice.kind === 'fallback' ? choice.kind : `${choice.kind}:${choice.format}`;
    let candidates = byChoice.get(key);
    if (candidates === undefined) {
      candidates = cacheCandidatesFor(spec, choice).map((relative) => ({
        relative,
        file: join(cacheRoot, relative),
        contentType: mediaTypeFor(relative),
      }));
      byChoice.set(key, candidates);
    }
    return candidates;
  }

  function resolve(
    target: MediaTarget,
    accept: string | undefined,
    signed = false,
  ): ResolvedTarget {
    if (target.kind === 'original') return { kind: 'original', target };
    const { spec } = target;
    if (spec.resize !== undefined) checkSizeAllowed(spec.resize, options.sizes, signed);
    const choice = chooseFormat(spec.format, accept, options.preferredFormats);
    return {
      kind: 'rendition',
      target,
      accept,
      signed,
      choice,
      varyAccept: variesWithAccept(choice, options.preferredFormats),
      candidates: candidatesFor(spec, choice),
    };
  }

  /** A cache file held in memory that answers the request (no disk access). */
  async function findHot(
    candidates: readonly Candidate[],
    varyAccept: boolean,
  ): Promise<InMemoryFile | undefined> {
    for (const candidate of candidates) {
      const hot = await hotCache.get(candidate.file);
      if (hot !== undefined) return hotAnswer(hot, candidate, varyAccept);
    }
    return undefined;
  }

  /** The first cache file on disk that answers the request; small ones are promoted to memory. */
  async function findOnDisk(candidates: readonly Candidate[]): Promise<Found | undefined> {
    for (const { relative, file: path, contentType } of candidates) {
      const file = await openInside(cacheRoot, relative);
      if (file === undefined) continue;
      const { size, mtimeMs } = file.stats;
      if (size > options.hotFileBytes) {
        return { body: { kind: 'handle', handle: file.handle }, size, mtimeMs, contentType };
      }
      try {
        // One read of the size fstat gave (readFile would fstat again).
        const buffer = Buffer.allocUnsafe(size);
        const { bytesRead } = await file.handle.read(buffer, 0, size, 0);
        if (bytesRead !== size) continue; // replaced under us: try the next candidate
        hotCache.set(path, { body: buffer, size, mtimeMs });
        return { body: { kind: 'buffer', buffer }, size, mtimeMs, contentType };
      } finally {
        await file.handle.close();
      }
    }
    return undefined;
  }

  async function serveRendition(
    resolved: ResolvedTarget & { kind: 'rendition' },
  ): Promise<ServedFile> {
    const { choice, varyAccept, candidates } = resolved;
    const { spec } = resolved.target;
    // Memory first (the hot path), then a render under way (no disk lookups while it runs),
    // then the disk.
    const hot = await findHot(candidates, varyAccept);
    if (hot !== undefined) return hot;
    const inFlight = store.running(spec, choice);
    if (inFlight !== undefined) {
      const value = await inFlight;
      return { ...renderedFile(value), varyAccept, outcome: 'coalesced' };
    }
    const onDisk = await findOnDisk(candidates);
    if (onDisk !== undefined) {
      return { ...onDisk, varyAccept, outcome: 'hit' };
    }

    // A node cut off from the others cannot know whether this original changed: no render.
    options.checkInStep?.();
    if (options.isRenderable !== undefined && !options.isRenderable(spec.path))
      throw originalNotFound(spec.path);
    const { real: original, stats } = await originalFile(mediaRoot, spec.path);
    // An original known to be unreadable is refused without taking a render slot again.
    const version = `${stats.mtimeMs}:${stats.size}`;
    const known = refused.get(original);
    if (known !== undefined && known.version === version) throw known.error;
    const { value, shared } = await store
      .render(original, spec, choice)
      .catch(async (error: unknown) => {
        // A delete that won the race makes any read fail: that is a missing original, not a
        // broken one, and nothing to remember.
        const now = await stat(original).catch(() => undefined);
        if (now === undefined) throw originalNotFound(spec.path);
        if (
          error instanceof AppError &&
          REMEMBERED_REFUSALS.has(error.code) &&
          `${now.mtimeMs}:${now.size}` === version
        ) {
          refused.set(original, { version, error });
        }
        throw error;
      });
    return { ...renderedFile(value), varyAccept, outcome: shared ? 'coalesced' : 'miss' };
  }

  function serveHot(resolved: ResolvedTarget): InMemoryFile | undefined {
    if (resolved.kind !== 'rendition') return undefined;
    for (const candidate of resolved.candidates) {
      const hot = hotCache.peek(candidate.file);
      if (hot !== undefined) return hotAnswer(hot, candidate, resolved.varyAccept);
    }
    return undefined;
  }

  return {
    resolve,
    serve(resolved) {
      return resolved.kind === 'original'
        ? serveOriginal(resolved.target.path)
        : serveRendition(resolved);
    },
    serveHot,
  };
}

/** The one shape of a hit held in memory, for the hot path and `serve` alike. */
function hotAnswer(hot: HotFile, candidate: Candidate, varyAccept: boolean): InMemoryFile {
  return {
    body: { kind: 'buffer', buffer: hot.body },
    size: hot.size,
    mtimeMs: hot.mtimeMs,
    contentType: candidate.contentType,
    varyAccept,
    outcome: 'hit',
  };
}

/** A rendition just rendered, as a file to send (no-store when it could not be cached). */
function renderedFile(value: StoredRendition): Found & { noStore: boolean } {
  return {
    body: { kind: 'buffer', buffer: value.buffer },
    size: value.size,
    mtimeMs: value.mtimeMs,
    contentType: value.contentType,
    noStore: !value.cached,
  };
}

/** Failures that belong to the original itself, not to this attempt: safe to remember. */
const REMEMBERED_REFUSALS: ReadonlySet<string> = new Set(['UNSUPPORTED_IMAGE', 'IMAGE_TOO_LARGE']);
