// The package's library entry: build rendition URLs, srcsets and signed URLs with no I/O.
// `import { renditionUrls } from 'rendition'` gives apps the URLs the admin API answers.

import { AppError, quoteInput } from './errors.js';
import { type GeometryOptions, outputSizeFor } from './render/plan.js';
import {
  type KeySetRendition,
  type KeySets,
  type ParsedKeySetEntry,
  parseKeySetEntry,
  parseKeySetValue,
  specOfEntry,
  urlSetFor,
} from './url/key-sets.js';
import { checkMediaPath, decodeMediaPath } from './url/media-path.js';
import type { Filter, OutputFormat, Resize, ThumbnailRounding } from './url/rendition-spec.js';
import { formatRenditionUrl, parseMediaTarget } from './url/rendition-url.js';
import { SIGNATURE_PARAM, signatureFor } from './url/signature.js';
import { type ResponsiveUrl, srcsetsFor } from './url/srcset.js';
import { urlVersionFor, versionQuery } from './url/url-version.js';

export type { Filter, KeySets, OutputFormat, Resize, ResponsiveUrl, ThumbnailRounding };
export { parseKeySetEntry, urlVersionFor };

export interface UrlOptions {
  /** URL prefix of media (MEDIA_URL). Default `/media`. */
  readonly mediaUrl?: string;
  /**
   * Version token appended as `?v=` (the admin API's URLs carry one: copy it from there).
   * It never changes the cache file; it makes browsers and CDNs fetch a replaced image.
   */
  readonly version?: string;
}

/**
 * A key-set entry: `"crop__320x320"`, a parsed {@link Resize}, or the config file's object
 * form with variants, e.g. `{ size: 'thumbnail__180x180', densities: [1, 2] }` or
 * `{ size: 'crop__640x360', widths: [320, 640, 1280], sizes: '100vw' }`.
 */
export type KeySetEntry =
  | string
  | Resize
  | {
      readonly size: string;
      readonly densities?: readonly number[];
      readonly widths?: readonly number[];
      readonly sizes?: string;
    };

// The URL grammar's own bound; the server's MAX_WIDTH/MAX_HEIGHT apply when it renders.
const URL_LIMITS = { maxWidth: 99_999, maxHeight: 99_999 };

function entryOf(entry: KeySetEntry): ParsedKeySetEntry {
  if (typeof entry === 'object' && 'sizer' in entry) return entry;
  return parseKeySetValue(entry, URL_LIMITS);
}

function entriesOf(
  keySet: Readonly<Record<string, KeySetEntry>>,
): Record<string, ParsedKeySetEntry> {
  return Object.fromEntries(Object.entries(keySet).map(([name, entry]) => [name, entryOf(entry)]));
}

function queryOf(options: UrlOptions): string {
  return options.version === undefined ? '' : versionQuery(options.version);
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
  const mediaUrl = options.mediaUrl ?? '/media';
  return urlSetFor(mediaUrl, checkMediaPath(path), entriesOf(keySet), queryOf(options));
}

/** Options of {@link renditionSrcsets}. */
export interface SrcsetUrlOptions extends UrlOptions {
  /**
   * The original's size (after EXIF orientation; the admin API's `width` and `height`).
   * Given, descriptors are exact and candidates the original cannot fill are left out
   * (docs/key-sets.md#responsive-images); without it they are nominal.
   */
  readonly original?: { readonly width: number; readonly height: number };
  /** The server's UPSCALE setting. Default false. */
  readonly upscale?: boolean;
  /** The server's CROP_UPSCALE setting. Default false. */
  readonly cropUpscale?: boolean;
  /** The server's THUMBNAIL_ROUNDING setting. Default `nearest`. */
  readonly thumbnailRounding?: ThumbnailRounding;
}

/**
 * `{name: {src, srcset, sizes?, width?, height?}}` for one original and one key set: what an
 * `<img>` needs. Entries with `densities` give `… 1x, … 2x`; with `widths`, `… 180w, … 360w`
 * and `sizes`; plain entries a single `… 1x`.
 *
 * @example renditionSrcsets('cat.jpg', { small: { size: 'thumbnail__180x180', densities: [2] } })
 * // { small: { src: '/media/cat.jpg/thumbnail/180x180',
 * //            srcset: '/media/cat.jpg/thumbnail/180x180 1x, /media/cat.jpg/thumbnail/360x360 2x' } }
 */
export function renditionSrcsets(
  path: string,
  keySet: Readonly<Record<string, KeySetEntry>>,
  options: SrcsetUrlOptions = {},
): Record<string, ResponsiveUrl> {
  const { original } = options;
  const geometry: GeometryOptions = {
    upscale: options.upscale ?? false,
    cropUpscale: options.cropUpscale ?? false,
    thumbnailRounding: options.thumbnailRounding ?? 'nearest',
  };
  return srcsetsFor(options.mediaUrl ?? '/media', checkMediaPath(path), entriesOf(keySet), {
    query: queryOf(options),
    ...(original === undefined
      ? {}
      : { outputSizeOf: (resize: Resize) => outputSizeFor(original, resize, geometry) }),
  });
}

/**
 * One rendition URL. Without `format` the server negotiates AVIF/WebP from `Accept`.
 *
 * @example renditionUrl('photos/cat.jpg', 'crop__320x320', { format: 'webp' })
 * // '/media/photos/cat.jpg/crop/320x320.webp'
 */
export function renditionUrl(
  path: string,
  entry: string | KeySetRendition,
  options: UrlOptions & {
    readonly format?: OutputFormat;
    readonly filters?: readonly Filter[];
  } = {},
): string {
  const parsed = typeof entry === 'string' ? parseKeySetEntry(entry) : entry;
  const url = formatRenditionUrl(
    options.mediaUrl ?? '/media',
    specOfEntry(checkMediaPath(path), {
      ...parsed,
      ...(options.filters === undefined ? {} : { filters: options.filters }),
      ...(options.format === undefined ? {} : { format: options.format }),
    }),
  );
  return `${url}${queryOf(options)}`;
}

/**
 * Signs a rendition URL for a size outside the key sets and ALLOWED_SIZES: returns it with
 * `s=<signature>` added to its query (any query it has, such as `?v=`, is kept). `url` is a
 * path (`/media/cat.jpg/crop/500x300`) or an absolute URL; `key` is the first of the server's
 * SIGNING_KEYS. What is signed is documented in docs/signed-urls.md.
 *
 * @example signRenditionUrl('/media/cat.jpg/crop/500x300.webp', key)
 * // '/media/cat.jpg/crop/500x300.webp?s=…43 characters…'
 */
export function signRenditionUrl(url: string, key: string, options: UrlOptions = {}): string {
  const prefix = `${options.mediaUrl ?? '/media'}/`;
  const parsed = new URL(url, 'http://rendition.invalid');
  if (!parsed.pathname.startsWith(prefix)) {
    throw new AppError(
      'BAD_REQUEST',
      `Expected a URL under ${prefix} but received ${quoteInput(url)}`,
    );
  }
  const target = parseMediaTarget(decodeMediaPath(parsed.pathname.slice(prefix.length)));
  if (target.kind !== 'rendition') {
    throw new AppError('BAD_REQUEST', `Expected a rendition URL but received ${quoteInput(url)}`);
  }
  const [base, query = ''] = url.split('#')[0]?.split('?') ?? [url];
  const params =
    query === '' ? [] : query.split('&').filter((p) => !p.startsWith(`${SIGNATURE_PARAM}=`));
  params.push(`${SIGNATURE_PARAM}=${signatureFor(key, target.spec)}`);
  return `${base}?${params.join('&')}`;
}
