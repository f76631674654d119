// Names for new originals: the extension of each format, a requested path checked against the
// real format, and safe paths for an upload that did not ask for one.

import { randomBytes } from 'node:crypto';
import { AppError, quoteInput } from '../errors.js';
import { mediaTypeFor } from './media-types.js';
import { checkOriginalPath } from './original-path.js';

/** The file extension written for each input format. */
const EXTENSION_OF_FORMAT: Readonly<Record<string, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  heif: 'heic',
  tiff: 'tiff',
  svg: 'svg',
};

/** The extension an original of `format` gets, e.g. `jpg` for jpeg. */
export function extensionOf(format: string): string {
  return EXTENSION_OF_FORMAT[format] ?? format;
}

/**
 * Checks a requested path for an original of `format`: a valid media path whose extension
 * is served with the format's content type, so nginx and Node label it truthfully.
 */
export function checkPathForFormat(path: string, format: string): string {
  checkOriginalPath(path);
  const expected = mediaTypeFor(`x.${extensionOf(format)}`);
  if (mediaTypeFor(path) !== expected) {
    throw new AppError(
      'BAD_REQUEST',
      `Expected a path ending in .${extensionOf(format)} for a ${format} image but received ${quoteInput(path)}`,
    );
  }
  return path;
}

/**
 * Safe paths for an upload without one, in the order to try them: `<prefix>/<slug of the
 * file name>.<ext of the real format>`, then the same with a random suffix (7 of them).
 */
export function* candidatePaths(
  prefix: string,
  fileName: string | undefined,
  format: string,
): Generator<string> {
  const stem = slugOf(fileName);
  const extension = extensionOf(format);
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const suffix = attempt === 0 ? '' : `-${randomBytes(3).toString('hex')}`;
    const path = `${prefix === '' ? '' : `${prefix}/`}${stem}${suffix}.${extension}`;
    // A slug like `180x180` under a prefix ending in `crop` would read as a rendition.
    try {
      yield checkOriginalPath(path);
    } catch {}
  }
}

/** File name -> `[a-z0-9-]` stem of at most 64 characters; never empty. */
export function slugOf(fileName: string | undefined): string {
  const base = (fileName ?? '').split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.[^.]*$/, '');
  const slug = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug === '' ? 'image' : slug;
}
