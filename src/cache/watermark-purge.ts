// Keeps cached watermarked renditions consistent with the watermark: the image and the
// WATERMARK_ settings decide their pixels but not their names, so a change purges them.

import { purgeOnChange } from './purge-on-change.js';

/** File in DATA_DIR holding the stamp of the watermark the cached renditions carry. */
export const WATERMARK_STAMP_FILE = 'watermark-stamp';

/**
 * A cache file of a rendition with the `watermark` filter: `…/filters/[<f>/…]watermark`
 * then `/<sizer>/…` or `.<fmt>` (`watermark` is last in the canonical filter order).
 */
const WATERMARKED = /(?:^|\/)filters\/(?:[a-z]+\/)*watermark(?:\/|\.)/;

export function isWatermarkedFile(relative: string): boolean {
  return WATERMARKED.test(relative);
}

/**
 * Removes every cached watermarked rendition when `stamp` (watermark.ts: a hash of the
 * image and the settings, or `none`) differs from the one recorded in DATA_DIR. Without a
 * record (first start, DATA_DIR new) they are purged too: their mark is unknown.
 */
export function purgeWatermarksOnChange(options: {
  readonly cacheRoot: string;
  readonly dataDir: string;
  readonly stamp: string;
}): Promise<number> {
  return purgeOnChange({
    cacheRoot: options.cacheRoot,
    dataDir: options.dataDir,
    recordName: WATERMARK_STAMP_FILE,
    value: options.stamp,
    unrecorded: '',
    affects: isWatermarkedFile,
  });
}
