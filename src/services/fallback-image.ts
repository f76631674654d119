// The fallback image: a configured original answered in place of a missing one, at the size
// the URL asks for. Its renditions are cached under its own path only, never the missing one.

import type { FileTarget } from '../url/rendition-url.js';
import type { MediaService, ServedFile } from './media-service.js';
import { onMissingOriginal } from './missing-original.js';

export interface FallbackImageOptions {
  /** Media path of the fallback original under MEDIA_ROOT (FALLBACK_IMAGE). */
  readonly path: string;
  /** FALLBACK_STATUS: 404 with the fallback as body, or 200. */
  readonly status: 200 | 404;
}

/**
 * Wraps a media service so that a URL whose original is missing (ORIGINAL_NOT_FOUND) is
 * answered with the same URL retargeted at the fallback original: the same sizer, size,
 * filters and format. The sizes policy and every other refusal still apply first. The answer
 * is `no-store` so a browser or CDN sees the real image once it is registered; it is cached
 * on disk under the fallback's path only, so nginx keeps sending the missing URL to Node.
 */
export function withFallbackImage(
  media: MediaService,
  options: FallbackImageOptions,
): MediaService {
  return onMissingOriginal(media, async (resolved, error) => {
    const { target } = resolved;
    if (pathOf(target) === options.path) throw error;
    const accept = resolved.kind === 'rendition' ? resolved.accept : undefined;
    const signed = resolved.kind === 'rendition' && resolved.signed;
    const fallback = media.resolve(retarget(target, options.path), accept, signed);
    const served = await media.serve(fallback).catch(() => {
      throw error; // a missing or broken fallback: answer the original 404
    });
    return { ...served, noStore: true, status: options.status } satisfies ServedFile;
  });
}

function pathOf(target: FileTarget): string {
  return target.kind === 'original' ? target.path : target.spec.path;
}

function retarget(target: FileTarget, path: string): FileTarget {
  return target.kind === 'original'
    ? { kind: 'original', path }
    : { kind: 'rendition', spec: { ...target.spec, path } };
}
