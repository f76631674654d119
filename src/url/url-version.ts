// The version token of URL sets: `?v=<hash>`, changed whenever an original's renditions change.

import { createHash } from 'node:crypto';
import type { Ppoi } from './rendition-spec.js';

/** The query parameter carrying the version; the cache mapping (Node and nginx) ignores it. */
export const VERSION_PARAM = 'v';

/**
 * A short version of what a rendition of an original depends on: the original's bytes
 * (its SHA-256, hex) and its PPOI. 10 hex characters of SHA-256 over `<sha256>:<x>,<y>`.
 * A replace with other bytes or a PPOI change gives new URLs, so browsers and CDNs that
 * cached the old ones for a long max-age fetch the new renditions.
 */
export function urlVersionFor(sha256: string, ppoi: Ppoi): string {
  return createHash('sha256').update(`${sha256}:${ppoi.x},${ppoi.y}`).digest('hex').slice(0, 10);
}

/** `?v=<version>` for appending to a rendition URL. */
export function versionQuery(version: string): string {
  return `?${VERSION_PARAM}=${encodeURIComponent(version)}`;
}
