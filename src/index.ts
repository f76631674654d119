// The package's library entry: build rendition URLs from a path and a key set, with no I/O.
// `import { renditionUrls } from 'rendition'` gives apps the URLs the admin API answers.

import { type KeySets, parseKeySetEntry, urlSetFor } from './spec/key-sets.js';
import { checkMediaPath } from './spec/media-path.js';
import type { Filter, OutputFormat, Resize } from './spec/rendition-spec.js';
import { formatRenditionUrl } from './spec/rendition-url.js';

export type { Filter, KeySets, OutputFormat, Resize };
export { parseKeySetEntry };

export interface UrlOptions {
  /** URL prefix of media (MEDIA_URL). Default `/media`. */
  readonly mediaUrl?: string;
}

/** A key-set entry: `"crop__320x320"` or a parsed {@link Resize}. */
export type KeySetEntry = string | Resize;

function resizeOf(entry: KeySetEntry): Resize {
  return typeof entry === 'string' ? parseKeySetEntry(entry) : entry;
}

/**
 * `{name: url}` for one original and one key set, like versatileimagefield's
 * `build_versatileimagefield_url_set`. Throws on a bad path or entry.
 *
 * @example renditionUrls('photos/cat.jpg', { small: 'thumbnail__180x180', large: 'crop__320x320' })
 * // { small: '/media/photos/cat.jpg/thumbnail/180x180', large: '/media/photos/cat.jpg/crop/320x320' }
 */
export function renditionUrls(
  path: string,
  keySet: Readonly<Record<string, KeySetEntry>>,
  options: UrlOptions = {},
): Record<string, string> {
  const parsed = Object.fromEntries(
    Object.entries(keySet).map(([name, entry]) => [name, resizeOf(entry)]),
  );
  return urlSetFor(options.mediaUrl ?? '/media', checkMediaPath(path), parsed);
}

/**
 * One rendition URL. Without `format` the server negotiates AVIF/WebP from `Accept`.
 *
 * @example renditionUrl('photos/cat.jpg', 'crop__320x320', { format: 'webp' })
 * // '/media/photos/cat.jpg/crop/320x320.webp'
 */
export function renditionUrl(
  path: string,
  entry: KeySetEntry,
  options: UrlOptions & {
    readonly format?: OutputFormat;
    readonly filters?: readonly Filter[];
  } = {},
): string {
  return formatRenditionUrl(options.mediaUrl ?? '/media', {
    path: checkMediaPath(path),
    filters: options.filters ?? [],
    resize: resizeOf(entry),
    ...(options.format === undefined ? {} : { format: options.format }),
  });
}
