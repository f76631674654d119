// The media path grammar: which relative paths may name an original.

import { AppError, quoteInput } from '../errors.js';

/** Longest media path accepted, in UTF-8 bytes. */
export const MAX_MEDIA_PATH_BYTES = 512;

// One segment: ASCII letters, digits and `._~@+-`, plus any Unicode letter, mark or digit.
const SEGMENT = /^[A-Za-z0-9._~@+\-\p{L}\p{M}\p{N}]+$/u;

/**
 * Checks an already-decoded media path and returns it unchanged.
 * Refuses empty, `.` and `..` segments, backslashes, NUL and control bytes, absolute
 * paths and paths over {@link MAX_MEDIA_PATH_BYTES}, with a `BAD_PATH` error.
 */
export function checkMediaPath(path: string): string {
  const bytes = Buffer.byteLength(path, 'utf8');
  if (bytes === 0 || bytes > MAX_MEDIA_PATH_BYTES) {
    throw new AppError(
      'BAD_PATH',
      `Expected a media path of 1..${MAX_MEDIA_PATH_BYTES} bytes but received ${bytes} bytes`,
    );
  }
  if (path.startsWith('/')) {
    throw new AppError(
      'BAD_PATH',
      `Expected a relative media path but received ${quoteInput(path)}`,
    );
  }
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..' || !SEGMENT.test(segment)) {
      throw new AppError(
        'BAD_PATH',
        `Expected path segments of letters, digits and ._~@+- (no empty, "." or "..") but received ${quoteInput(path)}`,
      );
    }
  }
  return path;
}

/**
 * Decodes a raw (percent-encoded) URL path exactly once and checks it as a media path.
 * A `%2F` becomes a separator like any `/`; a `%252e` stays the literal `%2e` and is refused.
 */
export function decodeMediaPath(rawPath: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw new AppError(
      'BAD_PATH',
      `Expected valid percent-encoding but received ${quoteInput(rawPath)}`,
    );
  }
  return checkMediaPath(decoded);
}
