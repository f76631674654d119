// Which media paths a registration may create: those whose URL reaches the original.

import { AppError, quoteInput } from '../errors.js';
import { checkMediaPath } from './media-path.js';
import { parseMediaTarget } from './rendition-url.js';

/** Longest path segment, in UTF-8 bytes: NAME_MAX of Linux filesystems. */
export const MAX_SEGMENT_BYTES = 255;

/**
 * True when a segment of `path` starts with `.` (`.env`, `.git/config`, `photos/.cache/x.jpg`):
 * dotfiles are never originals. They are often secrets another app keeps beside its media,
 * so their URLs answer 404 `ORIGINAL_NOT_FOUND` from Node and nginx alike, and no upload
 * may create one.
 */
export function isHiddenPath(path: string): boolean {
  return path.startsWith('.') || path.includes('/.');
}

/**
 * Checks a path a new original would be stored at and returns it. Beyond the media path
 * grammar: no segment over {@link MAX_SEGMENT_BYTES} (the filesystem would refuse it), no
 * dotfile ({@link isHiddenPath}), and no
 * tail the URL grammar reads as something else (`photos/crop/180x180.jpg` is a rendition of
 * `photos`, `a.jpg/info` the info of `a.jpg`): such an original could never be served.
 */
/** The error a media path without an original gets (404 `ORIGINAL_NOT_FOUND`). */
export function originalNotFound(path: string): AppError {
  return new AppError('ORIGINAL_NOT_FOUND', `No original at ${quoteInput(path)}`);
}

export function checkOriginalPath(path: string): string {
  checkMediaPath(path);
  for (const segment of path.split('/')) {
    const bytes = Buffer.byteLength(segment, 'utf8');
    if (bytes > MAX_SEGMENT_BYTES) {
      throw new AppError(
        'BAD_PATH',
        `Expected path segments of at most ${MAX_SEGMENT_BYTES} bytes but received one of ${bytes} bytes in ${quoteInput(path)}`,
      );
    }
  }
  if (isHiddenPath(path)) {
    throw new AppError(
      'BAD_PATH',
      `Expected a path without segments starting with "." (dotfiles are never served) but received ${quoteInput(path)}`,
    );
  }
  if (!namesAnOriginal(path)) {
    throw new AppError(
      'BAD_PATH',
      `Expected a path whose URL names an original, but ${quoteInput(path)} ends like a rendition or an info URL (docs/urls.md#media-paths)`,
    );
  }
  return path;
}

function namesAnOriginal(path: string): boolean {
  try {
    const target = parseMediaTarget(path);
    return target.kind === 'original' && target.path === path;
  } catch {
    // A malformed size or filter tail: the URL would be refused, never serve the original.
    return false;
  }
}
