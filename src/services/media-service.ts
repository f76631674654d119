// Serves media URLs by policy: which size is allowed, which format answers, which original
// may be rendered. Originals come from the originals store; renditions from the rendition cache.

import { LRUCache } from 'lru-cache';
import type {
  CachedRendition,
  Candidate,
  HeldRendition,
  RenditionCache,
  SendableFile,
} from '../cache/rendition-cache.js';
import { AppError } from '../errors.js';
import type { OriginalsStore } from '../originals/originals-store.js';
import { mediaTypeFor } from '../url/media-types.js';
import { chooseFormat, type FormatChoice, variesWithAccept } from '../url/negotiate.js';
import { originalNotFound } from '../url/original-path.js';
import type { OutputFormat, RenditionSpec } from '../url/rendition-spec.js';
import type { FileTarget } from '../url/rendition-url.js';
import { checkSizeAllowed, type SizesPolicy } from '../url/sizes-policy.js';
import type { RenderedHere, SharedRenditions } from './shared-renditions.js';

/** How a request was answered, for logs, metrics and tests. */
export type Outcome = 'original' | CachedRendition['outcome'];

/** An original or a rendition, ready to send; or, for an original, where to find it. */
export interface ServedFile extends Omit<SendableFile, 'body'> {
  readonly body: SendableFile['body'] | { readonly kind: 'redirect'; readonly location: string };
  readonly varyAccept: boolean;
  readonly outcome: Outcome;
  /** True for a rendition that could not be cached: `Cache-Control: no-store`. */
  readonly noStore?: boolean;
  /** Set on a fallback image's answer (FALLBACK_STATUS); absent: 200. */
  readonly status?: 200 | 404;
}

/**
 * A media request decided once: the sizes policy applied, the format chosen and the cache
 * files that may answer it listed. Both the hot path and `serve` take it as it is.
 */
export type ResolvedTarget =
  | {
      readonly kind: 'original';
      readonly target: FileTarget & { kind: 'original' };
      /** An original's answer never varies. */
      readonly varyAccept: false;
    }
  | {
      readonly kind: 'rendition';
      readonly target: FileTarget & { kind: 'rendition' };
      readonly accept: string | undefined;
      readonly signed: boolean;
      readonly choice: FormatChoice;
      readonly varyAccept: boolean;
      /** Cache files that answer it, in order of preference. */
      readonly candidates: readonly Candidate[];
    };

export interface MediaServiceOptions {
  readonly originals: OriginalsStore;
  readonly preferredFormats: readonly OutputFormat[];
  readonly sizes: SizesPolicy;
  readonly cache: RenditionCache;
  /** Throws when this node may not render now (REGISTRY_UNAVAILABLE: out of step with the others). */
  readonly checkInStep?: () => void;
  /** With RENDITION_STORE=s3: misses look for another node's object first (shared-renditions.ts). */
  readonly shared?: SharedRenditions;
  /** When set, only originals it accepts are rendered (REQUIRE_REGISTRATION). */
  readonly isRenderable?: (path: string) => boolean;
}

export interface MediaService {
  /**
   * Applies the sizes policy and chooses the format; throws SIZE_NOT_ALLOWED for a size the
   * policy refuses. `signed`: the URL carries a valid signature, so any size within the
   * bounds is allowed.
   */
  resolve(target: FileTarget, accept: string | undefined, signed?: boolean): ResolvedTarget;
  serve(resolved: ResolvedTarget): Promise<ServedFile>;
  /**
   * The answer when it is a rendition held in memory and checked recently, with no I/O, no
   * promise and no allocation: the hot path (its `Vary` comes from `resolved.varyAccept`).
   * Undefined means "call `serve`".
   */
  serveHot(resolved: ResolvedTarget): HeldRendition | undefined;
}

export function createMediaService(options: MediaServiceOptions): MediaService {
  const { originals, cache } = options;
  // Originals that failed validation, by media path, until their version changes.
  const refused = new LRUCache<string, { version: string; error: AppError }>({ max: 1000 });

  function resolve(target: FileTarget, accept: string | undefined, signed = false): ResolvedTarget {
    if (target.kind === 'original') return { kind: 'original', target, varyAccept: false };
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
      candidates: cache.candidates(spec, choice),
    };
  }

  async function serveOriginal(path: string): Promise<ServedFile> {
    const served = await originals.serve(path);
    const contentType = mediaTypeFor(path);
    if (served.kind === 'redirect') {
      const body = { kind: 'redirect', location: served.location } as const;
      return { body, size: 0, mtimeMs: 0, contentType, varyAccept: false, outcome: 'original' };
    }
    const { body, size, mtimeMs } = served;
    return { body, size, mtimeMs, contentType, varyAccept: false, outcome: 'original' };
  }

  /** Renders from the original's bytes; the version is theirs (a shared object's label). */
  async function renderFromOriginal(
    spec: RenditionSpec,
    choice: FormatChoice,
  ): Promise<RenderedHere> {
    const opened = await originals.open(spec.path);
    const { input, version } = opened;
    // An original known to be unreadable is refused without taking a render slot again.
    const known = refused.get(spec.path);
    if (known !== undefined && known.version === version) throw known.error;
    const rendition = await cache
      .render(input, spec, choice, opened.hold)
      .catch(async (error: unknown) => {
        // A delete that won the race makes any read fail: that is a missing original, not a
        // broken one, and nothing to remember.
        const now = await opened.current();
        if (now === undefined) throw originalNotFound(spec.path);
        if (error instanceof AppError && REMEMBERED_REFUSALS.has(error.code) && now === version) {
          refused.set(spec.path, { version, error });
        }
        throw error;
      })
      .finally(() => opened.release());
    return { rendition, originalVersion: version };
  }

  async function serveRendition(
    resolved: ResolvedTarget & { kind: 'rendition' },
  ): Promise<ServedFile> {
    const { choice, varyAccept, candidates } = resolved;
    const { spec } = resolved.target;
    const cached = await cache.find(spec, choice, candidates);
    if (cached !== undefined) return { ...cached, varyAccept };

    // A node cut off from the others cannot know whether this original changed: no render.
    options.checkInStep?.();
    if (options.isRenderable !== undefined && !options.isRenderable(spec.path))
      throw originalNotFound(spec.path);
    const renderHere = () => renderFromOriginal(spec, choice);
    const rendered =
      options.shared === undefined
        ? (await renderHere()).rendition
        : await options.shared.serve(spec, candidates, renderHere);
    return { ...rendered, varyAccept };
  }

  return {
    resolve,
    serve(resolved) {
      return resolved.kind === 'original'
        ? serveOriginal(resolved.target.path)
        : serveRendition(resolved);
    },
    serveHot(resolved) {
      return resolved.kind === 'rendition' ? cache.peek(resolved.candidates) : undefined;
    },
  };
}

/** Failures that belong to the original itself, not to this attempt: safe to remember. */
const REMEMBERED_REFUSALS: ReadonlySet<string> = new Set(['UNSUPPORTED_IMAGE', 'IMAGE_TOO_LARGE']);
