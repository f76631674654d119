// Key sets (versatileimagefield's RENDITION_KEY_SETS): named `[filters__…__]sizer__WxH[.fmt]`
// entries, their responsive variants (`2x`, `360w`), and URL sets.

import { AppError, quoteInput } from '../errors.js';
import {
  FILTERS,
  type Filter,
  formatSize,
  isCanonicalFilterList,
  isFilter,
  isOutputFormat,
  isSizer,
  OUTPUT_FORMATS,
  type OutputFormat,
  type RenditionSpec,
  type Resize,
  SIZERS,
} from './rendition-spec.js';
import { formatRenditionUrl } from './rendition-url.js';

/**
 * Extra sizes of one entry for a `srcset`: pixel densities (`1x, 2x`) or widths
 * (`180w, 360w`, with the `sizes` value that goes with them). Both lists are ascending and
 * include the entry's own size (1, or its width).
 */
export type Variants =
  | { readonly kind: 'density'; readonly densities: readonly number[] }
  | { readonly kind: 'width'; readonly widths: readonly number[]; readonly sizes: string };

/**
 * What one key-set entry renders: a size, with filters (VIF's `filters__invert__crop__400x400`)
 * and an explicit output format (`crop__400x400.webp`) when it names them.
 */
export interface KeySetRendition extends Resize {
  /** In canonical order; absent or empty: none. */
  readonly filters?: readonly Filter[];
  /** Absent: negotiated from `Accept`, like a URL without an extension. */
  readonly format?: OutputFormat;
}

/**
 * One key-set entry as parsed from the config: a rendition, and optionally its responsive
 * variants. (The library's `KeySetEntry` is what a caller writes before parsing.)
 */
export interface ParsedKeySetEntry extends KeySetRendition {
  readonly variants?: Variants;
}

/** Key set name -> rendition name -> entry, e.g. `image.small = thumbnail 180x180`. */
export type KeySets = Readonly<Record<string, Readonly<Record<string, ParsedKeySetEntry>>>>;

/** One variant of an entry: its size and its nominal `srcset` descriptor value. */
export interface VariantSize {
  readonly resize: Resize;
  /** 2 for `2x`, 360 for `360w`. */
  readonly value: number;
}

/** Bounds every variant must fit in (MAX_WIDTH x MAX_HEIGHT). */
export interface VariantLimits {
  readonly maxWidth: number;
  readonly maxHeight: number;
}

const KEY_SET_SIZE = /^(0|[1-9][0-9]{0,4})x(0|[1-9][0-9]{0,4})(?:\.([a-z]+))?$/;
const MAX_VARIANTS = 8;
const MAX_DENSITY = 4;
// `sizes` ends up in an HTML attribute: printable ASCII without quotes, `&`, `<` or `>`.
const SIZES_VALUE = /^[ !#-%(-;=?-~]{1,200}$/;

/**
 * Parses one entry string: `crop__320x320`, `filters__invert__crop__400x400` (filters in
 * canonical order, as in URLs), `thumbnail__180x180.webp` (an explicit format), or both.
 */
export function parseKeySetEntry(entry: string): KeySetRendition {
  const parts = entry.split('__');
  const [sizer = '', size = ''] = parts.slice(-2);
  const filters = parts[0] === 'filters' ? parts.slice(1, -2) : [];
  const match = KEY_SET_SIZE.exec(size);
  const format = match?.[3];
  const valid =
    match !== null &&
    parts.length === (filters.length > 0 ? filters.length + 3 : 2) &&
    isSizer(sizer) &&
    !(match[1] === '0' && match[2] === '0') &&
    filters.every(isFilter) &&
    isCanonicalFilterList(filters as Filter[]) &&
    (format === undefined || isOutputFormat(format));
  if (!valid) {
    throw new AppError(
      'BAD_REQUEST',
      `Expected "[filters__<filter>__…]<sizer>__<W>x<H>[.<format>]" with sizer ${SIZERS.join(', ')}, filters of ${FILTERS.join(', ')} at most once each in that order, format ${OUTPUT_FORMATS.join(', ')}, but received ${quoteInput(entry)}`,
    );
  }
  return {
    sizer,
    width: Number(match[1]),
    height: Number(match[2]),
    ...(filters.length > 0 ? { filters: filters as Filter[] } : {}),
    ...(format === undefined ? {} : { format: format as OutputFormat }),
  };
}

/**
 * Parses a key-set entry as configured: the string `"thumbnail__180x180"`, or an object
 * `{"size": "thumbnail__180x180", "densities": [1, 2]}` or
 * `{"size": "crop__640x360", "widths": [320, 640, 1280], "sizes": "(max-width: 640px) 100vw, 640px"}`.
 * Every variant must fit in `limits`; throws `BAD_REQUEST` naming what is wrong.
 */
export function parseKeySetValue(value: unknown, limits: VariantLimits): ParsedKeySetEntry {
  if (typeof value === 'string') return parseKeySetEntry(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(`"<sizer>__<W>x<H>" or {"size", "densities" | "widths", "sizes"?}`, value);
  }
  const { size, densities, widths, sizes, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw bad('only the keys size, densities, widths, sizes', unknown);
  if (typeof size !== 'string') throw bad('"size": "<sizer>__<W>x<H>"', size);
  const resize = parseKeySetEntry(size);
  if (densities !== undefined && widths !== undefined)
    throw bad('either "densities" or "widths", not both', 'both');
  if (sizes !== undefined && widths === undefined)
    throw bad('"sizes" only with "widths" (density descriptors take no sizes)', sizes);
  let variants: Variants | undefined;
  if (densities !== undefined) {
    variants = { kind: 'density', densities: ascending(densities, 1, isDensity, 'densities') };
  } else if (widths !== undefined) {
    if (resize.width === 0) throw bad('a width in "size" to scale "widths" from', size);
    if (sizes !== undefined && (typeof sizes !== 'string' || !SIZES_VALUE.test(sizes)))
      throw bad('"sizes" as 1..200 characters without quotes or angle brackets', sizes);
    variants = {
      kind: 'width',
      widths: ascending(widths, resize.width, isWidth, 'widths'),
      sizes: (sizes as string | undefined) ?? defaultSizesFor(resize.width),
    };
  }
  const entry: ParsedKeySetEntry = variants === undefined ? resize : { ...resize, variants };
  for (const variant of variantSizesOf(entry)) {
    if (variant.resize.width > limits.maxWidth || variant.resize.height > limits.maxHeight) {
      throw bad(
        `every variant within MAX_WIDTH x MAX_HEIGHT (${limits.maxWidth}x${limits.maxHeight})`,
        formatSize(variant.resize),
      );
    }
  }
  return entry;
}

/** The inverse of {@link parseKeySetValue}: a string, or the object form when it has variants. */
export function formatKeySetValue(
  entry: ParsedKeySetEntry,
): string | { size: string; densities?: number[]; widths?: number[]; sizes?: string } {
  const size = formatKeySetEntry(entry);
  if (entry.variants === undefined) return size;
  if (entry.variants.kind === 'density') return { size, densities: [...entry.variants.densities] };
  return { size, widths: [...entry.variants.widths], sizes: entry.variants.sizes };
}

/** The inverse of {@link parseKeySetEntry} (variants left out). */
export function formatKeySetEntry(entry: KeySetRendition): string {
  const filters = entry.filters?.length ? `filters__${entry.filters.join('__')}__` : '';
  const format = entry.format === undefined ? '' : `.${entry.format}`;
  return `${filters}${entry.sizer}__${formatSize(entry)}${format}`;
}

/**
 * The spec of an entry's rendition of the original at `path`, at the entry's size or at one
 * of its variants' (`resize`): the entry's filters and explicit format either way.
 */
export function specOfEntry(
  path: string,
  entry: KeySetRendition,
  resize: Resize = entry,
): RenditionSpec {
  const { sizer, width, height } = resize;
  return {
    path,
    filters: entry.filters ?? [],
    resize: { sizer, width, height },
    ...(entry.format === undefined ? {} : { format: entry.format }),
  };
}

/** The `sizes` used when a width-variant entry names none: the entry's width, full width below it. */
export function defaultSizesFor(width: number): string {
  return `(max-width: ${width}px) 100vw, ${width}px`;
}

/**
 * Every size of an entry, smallest first: the entry's own size (value 1 or its width), then
 * its variants, each scaled from the entry keeping its aspect ratio (a side of 0 stays 0).
 */
export function variantSizesOf(entry: ParsedKeySetEntry): VariantSize[] {
  const { sizer, width, height } = entry;
  const scale = (factor: number): Resize => ({
    sizer,
    width: Math.round(width * factor),
    height: Math.round(height * factor),
  });
  const variants = entry.variants;
  if (variants === undefined) return [{ resize: { sizer, width, height }, value: 1 }];
  if (variants.kind === 'density')
    return variants.densities.map((density) => ({ resize: scale(density), value: density }));
  return variants.widths.map((w) => ({ resize: { ...scale(w / width), width: w }, value: w }));
}

/** Every `WxH` named by any key set, variants included: these sizes are always allowed. */
export function sizesOfKeySets(keySets: KeySets): Set<string> {
  const sizes = new Set<string>();
  for (const keySet of Object.values(keySets)) {
    for (const entry of Object.values(keySet)) {
      for (const variant of variantSizesOf(entry)) sizes.add(formatSize(variant.resize));
    }
  }
  return sizes;
}

/**
 * `{name: url}` for one original and one key set, like build_versatileimagefield_url_set.
 * `query` (e.g. `?v=…`) is appended to every URL; it never changes the cache file.
 */
export function urlSetFor(
  mediaUrl: string,
  path: string,
  keySet: Readonly<Record<string, KeySetRendition>>,
  query = '',
): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const [name, entry] of Object.entries(keySet)) {
    urls[name] = `${formatRenditionUrl(mediaUrl, specOfEntry(path, entry))}${query}`;
  }
  return urls;
}

function isDensity(value: number): boolean {
  return value >= 1 && value <= MAX_DENSITY && Math.round(value * 100) === value * 100;
}

function isWidth(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 99_999;
}

/** A list of numbers, checked, with `own` added, deduplicated and sorted ascending. */
function ascending(
  raw: unknown,
  own: number,
  valid: (value: number) => boolean,
  name: string,
): number[] {
  const rule =
    name === 'densities'
      ? `"densities" as up to ${MAX_VARIANTS} numbers from 1 to ${MAX_DENSITY} (at most 2 decimals)`
      : `"widths" as up to ${MAX_VARIANTS} whole numbers of pixels`;
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_VARIANTS) throw bad(rule, raw);
  for (const value of raw) if (typeof value !== 'number' || !valid(value)) throw bad(rule, value);
  return [...new Set([own, ...(raw as number[])])].sort((a, b) => a - b);
}

function bad(expected: string, received: unknown): AppError {
  const shown = typeof received === 'string' ? received : (JSON.stringify(received) ?? 'nothing');
  return new AppError('BAD_REQUEST', `Expected ${expected} but received ${quoteInput(shown)}`);
}
