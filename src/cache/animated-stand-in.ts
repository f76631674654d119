// Which cache file answers a negotiated AVIF request for an animated original: the WebP.

import type { FormatChoice } from '../url/negotiate.js';

/**
 * The choice whose cache file may stand in for `choice`: a negotiated AVIF rendition of an
 * animated original is written as animated WebP (`<stem>.webp`, the file a WebP client
 * gets: one file for one result), since the bundled libvips writes no animated AVIF. Only
 * an animated WebP found there answers (see {@link isAnimatedWebp}): a still's WebP must
 * never answer an AVIF client. Undefined: nothing stands in.
 */
export function standInFor(choice: FormatChoice): FormatChoice | undefined {
  return choice.kind === 'preferred' && choice.format === 'avif'
    ? { kind: 'preferred', format: 'webp' }
    : undefined;
}

/** Bytes of a WebP header that say whether it is animated: RIFF, size, WEBP, VP8X, size, flags. */
export const WEBP_HEADER_BYTES = 21;

/**
 * True when `header` (a file's first {@link WEBP_HEADER_BYTES} bytes or more) is an animated
 * WebP: an extended (`VP8X`) header with the animation flag (bit 1 of its flags byte).
 */
export function isAnimatedWebp(header: Uint8Array): boolean {
  if (header.length < WEBP_HEADER_BYTES) return false;
  const text = (from: number, to: number) => String.fromCharCode(...header.subarray(from, to));
  return (
    text(0, 4) === 'RIFF' &&
    text(8, 12) === 'WEBP' &&
    text(12, 16) === 'VP8X' &&
    ((header[20] ?? 0) & 0x02) !== 0
  );
}
