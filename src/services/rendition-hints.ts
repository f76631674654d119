// A misspelt rendition of an existing original (`cat.jpg/thumbnial/180x180`) answers 400 with
// the nearest valid URL instead of 404: only on the not-found path, so hits pay nothing.

import { AppError, quoteInput } from '../errors.js';
import { MAX_HINT_SEGMENTS, renditionHintFor } from '../url/rendition-hint.js';
import { formatRenditionPath, type MediaTarget } from '../url/rendition-url.js';
import type { MediaService } from './media-service.js';
import { onMissingOriginal } from './missing-original.js';

export interface RenditionHintsOptions {
  /** MEDIA_URL, to show the suggested URL whole. */
  readonly mediaUrl: string;
  /** True when `path` names an original that would be served (checked only after a 404). */
  readonly originalExists: (path: string) => Promise<boolean>;
}

/**
 * Wraps a media service so that an `ORIGINAL_NOT_FOUND` whose path is an existing original
 * followed by a near-rendition tail becomes `BAD_RENDITION_URL` naming the canonical URL.
 */
export function withRenditionHints(
  media: MediaService,
  options: RenditionHintsOptions,
): MediaService {
  async function hintFor(target: MediaTarget): Promise<AppError | undefined> {
    if (target.kind === 'info') return undefined;
    const path = target.kind === 'original' ? target.path : formatRenditionPath(target.spec);
    const segments = path.split('/');
    // Shortest tail first: the longest existing original wins.
    for (let k = 1; k <= Math.min(MAX_HINT_SEGMENTS, segments.length - 1); k += 1) {
      const tail = segments.slice(-k);
      const hint = renditionHintFor(tail);
      if (hint === undefined) continue;
      const original = segments.slice(0, -k).join('/');
      if (!(await options.originalExists(original))) continue;
      return new AppError(
        'BAD_RENDITION_URL',
        `Expected a rendition URL such as ${quoteInput(`${options.mediaUrl}/${original}/${hint}`, 200)} but received ${quoteInput(tail.join('/'))} after the original ${quoteInput(original)} (docs/urls.md)`,
      );
    }
    return undefined;
  }

  return onMissingOriginal(media, async (resolved, error) => {
    throw (await hintFor(resolved.target)) ?? error;
  });
}
