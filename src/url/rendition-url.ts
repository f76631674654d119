// Parses the media part of a URL into an original or a rendition spec, and formats it back.

import { AppError, quoteInput } from '../errors.js';
import { parseInfoPath } from './info-url.js';
import { checkMediaPath } from './media-path.js';
import {
  FILTERS,
  type Filter,
  formatSize,
  isCanonicalFilterList,
  isFilter,
  isOutputFormat,
  isSizer,
  OUTPUT_FORMATS,
  type RenditionSpec,
  type Resize,
} from './rendition-spec.js';

/** What a media URL names: an original file, a rendition of one, or the info of one. */
export type MediaTarget =
  | { readonly kind: 'original'; readonly path: string }
  | { readonly kind: 'rendition'; readonly spec: RenditionSpec }
  | { readonly kind: 'info'; readonly path: string };

/** A media target that answers with a file: an original or a rendition. */
export type FileTarget = MediaTarget & { readonly kind: 'original' | 'rendition' };

/** Largest number accepted on either side of `WxH` before the sizes policy even looks. */
const MAX_SIDE_DIGITS = 5;
// Canonical numbers only: no sign, no leading zero, at most MAX_SIDE_DIGITS digits.
const CANONICAL_SIDE = new RegExp(`^(?:0|[1-9][0-9]{0,${MAX_SIDE_DIGITS - 1}})$`);
// What makes a last segment look like a size (then it must be a valid one).
const SIZE_SHAPE = /^([0-9]+)x([0-9]+)(?:\.([^/]*))?$/;

/**
 * Splits a decoded media path (the part after `MEDIA_URL/`) into the original's path and
 * what its end asks for. `<path>/info` is the info of `<path>`. A tail is a rendition when it ends in
 * `<sizer>/<W>x<H>[.<fmt>]` and/or `filters/<filter>[/<filter>…]`; anything else names an
 * original. Malformed sizes, formats and repeated filters are `BAD_RENDITION_URL`.
 */
export function parseMediaTarget(decodedPath: string): MediaTarget {
  const infoPath = parseInfoPath(decodedPath);
  if (infoPath !== undefined) return { kind: 'info', path: infoPath };
  const segments = decodedPath.split('/');
  let end = segments.length;

  let resize: Resize | undefined;
  let format: RenditionSpec['format'];
  const last = segments[end - 1] ?? '';
  const sizer = segments[end - 2] ?? '';
  if (end >= 3 && isSizer(sizer) && SIZE_SHAPE.test(last)) {
    ({ resize, format } = parseSizeSegment(sizer, last));
    end -= 2;
  }

  const filters = takeFilters(segments, end);
  if (filters.length > 0) end -= filters.length + 1;

  const path = checkMediaPath(segments.slice(0, end).join('/'));
  if (resize === undefined && filters.length === 0) return { kind: 'original', path };
  return { kind: 'rendition', spec: { path, filters, resize, format } };
}

function parseSizeSegment(
  sizer: Resize['sizer'],
  segment: string,
): { resize: Resize; format: RenditionSpec['format'] } {
  const [, w = '', h = '', ext] = SIZE_SHAPE.exec(segment) ?? [];
  if (!CANONICAL_SIDE.test(w) || !CANONICAL_SIDE.test(h)) {
    throw new AppError(
      'BAD_RENDITION_URL',
      `Expected WxH as canonical numbers (no leading zeros, at most ${MAX_SIDE_DIGITS} digits) but received ${quoteInput(segment)}`,
    );
  }
  const width = Number(w);
  const height = Number(h);
  if (width === 0 && height === 0) {
    throw new AppError(
      'BAD_RENDITION_URL',
      'Expected at most one side of WxH to be 0 but received 0x0',
    );
  }
  if (ext !== undefined && !isOutputFormat(ext)) {
    throw new AppError(
      'BAD_RENDITION_URL',
      `Expected a format of ${OUTPUT_FORMATS.join(', ')} but received ${quoteInput(ext)}`,
    );
  }
  return { resize: { sizer, width, height }, format: ext };
}

/** The filters that end `segments[0..end)` after a `filters` segment, in URL order. */
function takeFilters(segments: readonly string[], end: number): Filter[] {
  let start = end;
  while (start > 0 && isFilter(segments[start - 1] ?? '')) start -= 1;
  // `filters` must precede them, and a path must remain before that.
  if (start === end || start < 2 || segments[start - 1] !== 'filters') return [];
  const filters = segments.slice(start, end) as Filter[];
  if (!isCanonicalFilterList(filters)) {
    throw new AppError(
      'BAD_RENDITION_URL',
      `Expected filters at most once each, in the order ${FILTERS.join(', ')}, but received ${quoteInput(filters.join('/'))}`,
    );
  }
  return filters;
}

/** Percent-encodes one path segment, leaving the grammar's `@` and `+` readable. */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%40/g, '@').replace(/%2B/g, '+');
}

/** The decoded media part of a rendition's URL: the exact inverse of {@link parseMediaTarget}. */
export function formatRenditionPath(spec: RenditionSpec): string {
  let out = spec.path;
  if (spec.filters.length > 0) out += `/filters/${spec.filters.join('/')}`;
  if (spec.resize !== undefined) out += `/${spec.resize.sizer}/${formatSize(spec.resize)}`;
  if (spec.format !== undefined) {
    // A filters-only rendition has no size segment to carry an extension.
    if (spec.resize === undefined)
      throw new Error('A filters-only rendition has no explicit format');
    out += `.${spec.format}`;
  }
  return out;
}

/** The public URL of a rendition under `mediaUrl` (e.g. `/media`), percent-encoded. */
export function formatRenditionUrl(mediaUrl: string, spec: RenditionSpec): string {
  return `${mediaUrl}/${formatRenditionPath(spec).split('/').map(encodePathSegment).join('/')}`;
}
