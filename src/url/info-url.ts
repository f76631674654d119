// The info URL grammar: `<path>/info` names JSON about the original at `<path>`.

import { checkMediaPath } from './media-path.js';

/** The last segment that turns a media URL into an info request. */
export const INFO_SEGMENT = 'info';

/**
 * The original's path when a decoded media path is `<path>/info`, else undefined. Like a
 * `<sizer>/<W>x<H>` tail, a last segment `info` after a path is reserved: it never names an
 * original (a file `MEDIA_ROOT/<path>/info` is not served; nginx hands these URLs to Node).
 * It cannot be mistaken for a rendition: `info` is neither a sizer, a size nor a filter.
 * A lone `info` (no path before it) is an original like any other.
 */
export function parseInfoPath(decodedPath: string): string | undefined {
  const cut = decodedPath.lastIndexOf('/');
  if (cut <= 0 || decodedPath.slice(cut + 1) !== INFO_SEGMENT) return undefined;
  return checkMediaPath(decodedPath.slice(0, cut));
}
