// The vocabulary of a rendition: sizers, filters, output formats, and the parsed spec itself.

/**
 * How a rendition is sized. `thumbnail` fits inside WxH; `crop` covers WxH exactly; `pad`
 * fits inside WxH, then extends the result to exactly WxH, centred.
 */
export const SIZERS = ['thumbnail', 'crop', 'pad'] as const;
export type Sizer = (typeof SIZERS)[number];

/**
 * Filters, in their canonical order. sharp runs them in one pass in its own fixed order
 * (blur before sharpen and invert, whatever order they are called in), so a URL must list
 * them in this order: each combination then has exactly one URL and one cache file.
 * `still` (the first frame of an animation) comes first: it decides what the others see.
 * `watermark` comes last and is drawn after every other step (the pad bars included): the
 * colour filters never reach the mark (an inverted or grey logo is no logo), and it sits
 * at the corner of the rendition as served.
 */
export const FILTERS = ['still', 'blur', 'sharpen', 'invert', 'grayscale', 'watermark'] as const;
export type Filter = (typeof FILTERS)[number];

/** Output formats, by the file extension used in URLs and cache file names. */
export const OUTPUT_FORMATS = ['jpg', 'png', 'webp', 'avif', 'gif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * Formats NEGOTIATE_FORMATS may offer. GIF is written when asked for (`.gif`) or as the
 * fallback of an animated GIF, never offered: 256 colours is no one's preference.
 */
export const NEGOTIABLE_FORMATS = [
  'jpg',
  'png',
  'webp',
  'avif',
] as const satisfies readonly OutputFormat[];

/**
 * Output formats that carry animation (measured: the bundled libvips 8.18 writes animated
 * GIF and WebP; its AVIF writer stores the frames as one tall still). An animated original
 * rendered into any other format is its first frame.
 */
export const ANIMATION_FORMATS: readonly OutputFormat[] = ['gif', 'webp'];

/** A requested size; a side of 0 follows the aspect ratio. */
export interface Resize {
  readonly sizer: Sizer;
  readonly width: number;
  readonly height: number;
}

/** Everything a rendition URL says, in its one canonical form. */
export interface RenditionSpec {
  /** Media path of the original, decoded and checked. */
  readonly path: string;
  readonly filters: readonly Filter[];
  /** Absent for a filters-only rendition, which keeps the original's size. */
  readonly resize?: Resize;
  /** Absent when the format is negotiated from `Accept`. */
  readonly format?: OutputFormat;
}

export function isSizer(value: string): value is Sizer {
  return (SIZERS as readonly string[]).includes(value);
}

export function isFilter(value: string): value is Filter {
  return (FILTERS as readonly string[]).includes(value);
}

/** True when `filters` lists each filter at most once, in the canonical order of {@link FILTERS}. */
export function isCanonicalFilterList(filters: readonly Filter[]): boolean {
  return filters.every(
    (filter, i) => i === 0 || FILTERS.indexOf(filters[i - 1] as Filter) < FILTERS.indexOf(filter),
  );
}

export function isOutputFormat(value: string): value is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(value);
}

/** `WxH`, as written in URLs, key sets and the allowed size list. */
export function formatSize(resize: { width: number; height: number }): string {
  return `${resize.width}x${resize.height}`;
}

/** Primary point of interest, each coordinate in 0..1 from the top-left corner. */
export interface Ppoi {
  readonly x: number;
  readonly y: number;
}

/** The PPOI of an image nobody has set one for. */
export const CENTRE: Ppoi = { x: 0.5, y: 0.5 };

/**
 * How a `crop` is anchored when the image has no PPOI: on the centre, or where sharp finds
 * the subject (`attention`: skin tones, saturation and luminance; `entropy`: detail).
 */
export const CROP_STRATEGIES = ['centre', 'attention', 'entropy'] as const;
export type CropStrategy = (typeof CROP_STRATEGIES)[number];

/**
 * How a fit-inside size (thumbnail, pad, a side of 0) is rounded: `nearest` rounds the free
 * side to the nearest pixel; `pillow` is Pillow's `thumbnail()` (versatileimagefield's
 * rule): the free side goes down or up, whichever keeps the aspect ratio closer.
 */
export const THUMBNAIL_ROUNDINGS = ['nearest', 'pillow'] as const;
export type ThumbnailRounding = (typeof THUMBNAIL_ROUNDINGS)[number];
