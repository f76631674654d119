// The cache layout: a pure mapping from a rendition URL (plus the chosen format) to files
// under CACHE_ROOT. nginx's generated config encodes the same rules; see docs/caching.md#cache-layout.

import type { FormatChoice } from '../url/negotiate.js';
import { OUTPUT_FORMATS, type OutputFormat, type RenditionSpec } from '../url/rendition-spec.js';
import { formatRenditionPath } from '../url/rendition-url.js';

/**
 * Directory under CACHE_ROOT for in-progress writes. Its `:` cannot occur in a media path,
 * so no URL ever maps into it, and nginx never serves a partial file.
 */
export const TEMP_DIR_NAME = ':tmp';

/** Marks a negotiated rendition stored in the original's format (no preferred format accepted). */
export const FALLBACK_MARK = '.fallback';

/** The fallback formats, in the order Node and nginx try them. */
export const FALLBACK_ORDER: readonly OutputFormat[] = OUTPUT_FORMATS;

/** The URL's media part without any format extension: the stem every cache file name extends. */
function stemOf(spec: RenditionSpec): string {
  return formatRenditionPath({ ...spec, format: undefined });
}

/**
 * The cache file (relative to CACHE_ROOT) that holds a rendition once its output format
 * is known. Explicit and preferred formats share `<stem>.<fmt>`; the fallback is
 * `<stem>.fallback.<fmt>` so nginx can find it without knowing the original's format.
 */
export function cacheFileFor(
  spec: RenditionSpec,
  choice: FormatChoice,
  format: OutputFormat,
): string {
  const stem = stemOf(spec);
  return choice.kind === 'original' ? `${stem}${FALLBACK_MARK}.${format}` : `${stem}.${format}`;
}

/**
 * Every cache file that may hold the answer to a request, in the order to try them.
 * One for an explicit or preferred format; one per possible fallback format otherwise
 * (only one of those can exist, since the fallback format is fixed by the original).
 */
export function cacheCandidatesFor(spec: RenditionSpec, choice: FormatChoice): string[] {
  if (choice.kind !== 'original') return [cacheFileFor(spec, choice, choice.format)];
  return FALLBACK_ORDER.map((format) => cacheFileFor(spec, choice, format));
}

/** A crop rendition's cache file name: `…/crop/<W>x<H>.<ext>` (relative, `/`-separated). */
const CROP_FILE = /(^|\/)crop\/[0-9]+x[0-9]+\.[^/]+$/;

/** Whether a cache file (relative to CACHE_ROOT or to an original's directory) holds a crop. */
export function isCropFile(relative: string): boolean {
  return CROP_FILE.test(relative);
}
