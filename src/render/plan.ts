// Rendition planning: pure geometry (resize, PPOI crop) and encoder choice. No sharp here.

import { type Colour, TRANSPARENT, WHITE } from '../config/colour.js';
import type { EncoderConfig } from '../config/load-config.js';
import {
  ANIMATION_FORMATS,
  CENTRE,
  type CropStrategy,
  type Filter,
  type OutputFormat,
  type Ppoi,
  type RenditionSpec,
  type Resize,
  type ThumbnailRounding,
} from '../url/rendition-spec.js';
import { placeWatermark, type WatermarkPlacement } from './watermark-plan.js';

/** What the probe learned of an original, with EXIF orientation already applied. */
export interface SourceInfo {
  readonly width: number;
  readonly height: number;
  /** sharp's format name: jpeg, png, webp, gif, avif, heif, tiff, … */
  readonly format: string;
  readonly hasAlpha: boolean;
  /** Frames (pages); 1 for a still. An animation's width and height are one frame's. */
  readonly frames?: number;
  /** Display time of each frame in ms, as the header gives it (animations only). */
  readonly delay?: readonly number[];
  /** Times an animation plays (0: forever), as the header gives it. */
  readonly loop?: number;
}

export type EncoderOptions =
  | { readonly format: 'jpg'; readonly quality: number; readonly progressive: true }
  | { readonly format: 'png'; readonly compressionLevel: number }
  | { readonly format: 'webp'; readonly quality: number }
  | { readonly format: 'avif'; readonly quality: number; readonly effort: number }
  | { readonly format: 'gif' };

/** What an animated rendition keeps of its original: every frame, their delays, the loop count. */
export interface Animation {
  readonly frames: number;
  /** Per frame, in ms; empty when the original gives none (the encoder's default). */
  readonly delay: readonly number[];
  readonly loop: number;
}

export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** The ordered steps of one render, in output pixels after orientation. */
export interface RenderPlan {
  readonly filters: readonly Filter[];
  /** Resize the whole (oriented) image to exactly this size; absent: keep the size. */
  readonly resize?: { readonly width: number; readonly height: number };
  /** Then cut this region out of the resized image (crop sizer anchored on a PPOI). */
  readonly extract?: Rect;
  /**
   * Or let sharp choose the `width` x `height` region of the resized image (crop sizer, no
   * PPOI, a strategy other than centre). Never set together with `extract`.
   */
  readonly smartCrop?: {
    readonly strategy: Exclude<CropStrategy, 'centre'>;
    readonly width: number;
    readonly height: number;
  };
  /**
   * Then extend the (filtered) image by these bars to the final size (pad sizer). Filters
   * never reach the bars: they are added after the filters.
   */
  readonly pad?: Padding;
  /** Flatten transparency onto white (JPEG has no alpha). */
  readonly flatten: boolean;
  readonly encoder: EncoderOptions;
  /**
   * Set when every frame of an animated original is rendered (the format carries animation
   * and no `still` was asked): each step then applies to each frame, sizes are per frame.
   */
  readonly animation?: Animation;
  /** Where the watermark is drawn, last of all (the `watermark` filter). */
  readonly watermark?: Rect;
  /** Final output size (of one frame). */
  readonly width: number;
  readonly height: number;
}

/** Bars around an image, in pixels, and their colour. */
export interface Padding {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
  readonly background: Colour;
}

/** The settings that decide a rendition's size (UPSCALE, CROP_UPSCALE, THUMBNAIL_ROUNDING). */
export interface GeometryOptions {
  /** Enlarge any rendition of a small original (UPSCALE). */
  readonly upscale: boolean;
  /** Enlarge a crop of a small original to WxH, as versatileimagefield does (CROP_UPSCALE). Default false. */
  readonly cropUpscale?: boolean;
  /** Default `nearest`. */
  readonly thumbnailRounding?: ThumbnailRounding;
}

export interface PlanOptions extends GeometryOptions {
  readonly encoder: EncoderConfig;
  /** A filters-only rendition (no size asked) is shrunk to fit inside this. */
  readonly maxOutput: { readonly width: number; readonly height: number };
  /** How a crop of an image without a PPOI is anchored (CROP_STRATEGY). Default `centre`. */
  readonly cropStrategy?: CropStrategy;
  /** Bars of a `pad` rendition (PAD_BACKGROUND); undefined: transparent if `format` has alpha, else white. */
  readonly padBackground?: Colour;
  /** The configured watermark's natural size and placement; the filter needs one. */
  readonly watermark?: WatermarkPlacement & { readonly width: number; readonly height: number };
}

/** True for an original with more than one frame in a format that animates (GIF, WebP). */
export function isAnimated(source: SourceInfo): boolean {
  return (source.frames ?? 1) > 1 && (source.format === 'gif' || source.format === 'webp');
}

/** True when a rendition of `source` with `filters` keeps every frame in `format`. */
export function keepsAnimation(
  source: SourceInfo,
  filters: readonly Filter[],
  format: OutputFormat,
): boolean {
  return isAnimated(source) && !filters.includes('still') && ANIMATION_FORMATS.includes(format);
}

/**
 * The format a rendition keeps when none was asked for: the original's, where we can write
 * it. An animated GIF stays a GIF (unless `still` asks for its first frame: PNG, as a
 * still GIF always was).
 */
export function originalFormatFor(
  source: SourceInfo,
  filters: readonly Filter[] = [],
): OutputFormat {
  switch (source.format) {
    case 'jpeg':
      return 'jpg';
    case 'gif':
      return keepsAnimation(source, filters, 'gif') ? 'gif' : 'png';
    case 'png':
      return 'png';
    case 'webp':
      return 'webp';
    case 'avif':
    case 'heif':
      return 'avif';
    default:
      return source.hasAlpha ? 'png' : 'jpg';
  }
}

/**
 * The format a negotiated AVIF rendition of an animated original is written in: animated
 * WebP, since the bundled libvips cannot write animated AVIF and every browser that accepts
 * AVIF accepts WebP (docs/urls.md#animated-images). Any other format stays as chosen.
 */
export function animatedFormatFor(
  source: SourceInfo,
  filters: readonly Filter[],
  preferred: OutputFormat,
): OutputFormat {
  const substitute = preferred === 'avif' && keepsAnimation(source, filters, 'webp');
  return substitute ? 'webp' : preferred;
}

/** Pixels a render of every frame decodes: frames x width x height (MAX_ANIMATION_PIXELS). */
export function animationPixelsOf(source: SourceInfo): number {
  return (source.frames ?? 1) * source.width * source.height;
}

/**
 * Plans a render of `source` for `spec` into `format`. `ppoi` is undefined for an image
 * nobody set one for: a crop then follows `options.cropStrategy`.
 */
export function planRender(
  source: SourceInfo,
  spec: Pick<RenditionSpec, 'filters' | 'resize'>,
  format: OutputFormat,
  ppoi: Ppoi | undefined,
  options: PlanOptions,
): RenderPlan {
  const animated = keepsAnimation(source, spec.filters, format);
  // sharp's attention and entropy crops work on one frame only: an animation without a
  // PPOI is cropped on its centre, the same window in every frame.
  const strategy = animated ? 'centre' : (options.cropStrategy ?? 'centre');
  const anchor: Anchor = ppoi ?? (strategy === 'centre' ? CENTRE : strategy);
  const geometry =
    spec.resize === undefined
      ? planGeometry(source, { sizer: 'thumbnail', ...options.maxOutput }, anchor, {
          ...options,
          upscale: false,
        })
      : planGeometry(source, spec.resize, anchor, options);
  const { pad: bars, ...sized } = geometry;
  const pad =
    bars === undefined
      ? undefined
      : { ...bars, background: padBackgroundFor(format, options.padBackground) };
  return {
    filters: spec.filters,
    ...sized,
    ...(pad === undefined ? {} : { pad }),
    flatten: format === 'jpg' && source.hasAlpha,
    encoder: encoderFor(format, options.encoder),
    ...(animated ? { animation: animationOf(source) } : {}),
    ...(spec.filters.includes('watermark') && options.watermark !== undefined
      ? { watermark: placeWatermark(sized, options.watermark, options.watermark) }
      : {}),
  };
}

function animationOf(source: SourceInfo): Animation {
  const frames = source.frames ?? 1;
  const delay = source.delay?.length === frames ? source.delay : [];
  return { frames, delay, loop: source.loop ?? 0 };
}

/**
 * PAD_BACKGROUND when set, otherwise transparent in a format with alpha and white in JPEG;
 * in JPEG (no alpha) a translucent colour is what it looks like over white.
 */
export function padBackgroundFor(format: OutputFormat, configured: Colour | undefined): Colour {
  const colour = configured ?? (format === 'jpg' ? WHITE : TRANSPARENT);
  if (format !== 'jpg' || colour.alpha === 1) return colour;
  const over = (channel: number) => Math.round(channel * colour.alpha + 255 * (1 - colour.alpha));
  return { r: over(colour.r), g: over(colour.g), b: over(colour.b), alpha: 1 };
}

type Geometry = Pick<RenderPlan, 'resize' | 'extract' | 'smartCrop' | 'width' | 'height'> & {
  readonly pad?: Omit<Padding, 'background'>;
};

/** The size a rendition of an original of this (oriented) size comes out at. */
export function outputSizeFor(
  source: { readonly width: number; readonly height: number },
  resize: Resize,
  options: GeometryOptions,
): { width: number; height: number } {
  // The anchor moves the crop window, never its size.
  const { width, height } = planGeometry(source, resize, { x: 0.5, y: 0.5 }, options);
  return { width, height };
}

/** Where a crop is anchored: a point, or a strategy sharp applies to the pixels. */
type Anchor = Ppoi | Exclude<CropStrategy, 'centre'>;

function planGeometry(
  source: Pick<SourceInfo, 'width' | 'height'>,
  resize: Resize,
  anchor: Anchor,
  options: GeometryOptions,
): Geometry {
  const { width: w, height: h } = source;
  const { width: W, height: H } = resize;
  const fitInside = () => fitted(w, h, W, H, options);

  // A crop or pad with a free side is a thumbnail bounded by the other side.
  if (resize.sizer === 'thumbnail' || W === 0 || H === 0) return fitInside();

  if (resize.sizer === 'pad') {
    // Fit inside WxH (enlarging only with UPSCALE), then bars up to exactly WxH, centred.
    const inner = fitInside();
    const left = Math.floor((W - inner.width) / 2);
    const top = Math.floor((H - inner.height) / 2);
    const bars = { top, bottom: H - inner.height - top, left, right: W - inner.width - left };
    const padded = bars.top + bars.bottom + bars.left + bars.right > 0;
    return { ...inner, ...(padded ? { pad: bars } : {}), width: W, height: H };
  }

  // crop: scale so the image covers WxH, then cut WxH out around the PPOI.
  let scale = Math.max(W / w, H / h);
  let box = { width: W, height: H };
  if (!options.upscale && options.cropUpscale !== true && scale > 1) {
    // Too small to cover: keep 1:1 and cut the largest WxH-shaped box that fits.
    scale = 1;
    box =
      w / h > W / H
        ? { width: Math.max(1, Math.round((h * W) / H)), height: h }
        : { width: w, height: Math.max(1, Math.round((w * H) / W)) };
  }
  const resized = {
    width: Math.max(box.width, Math.round(w * scale)),
    height: Math.max(box.height, Math.round(h * scale)),
  };
  const needsResize = resized.width !== w || resized.height !== h;
  const needsExtract = box.width !== resized.width || box.height !== resized.height;
  const crop =
    typeof anchor === 'string'
      ? { smartCrop: { strategy: anchor, width: box.width, height: box.height } }
      : {
          extract: {
            left: offsetAround(anchor.x, resized.width, box.width),
            top: offsetAround(anchor.y, resized.height, box.height),
            width: box.width,
            height: box.height,
          },
        };
  return {
    ...(needsResize ? { resize: resized } : {}),
    ...(needsExtract ? crop : {}),
    width: box.width,
    height: box.height,
  };
}

/** Fits `w` x `h` inside `W` x `H` (a side of 0: unbounded), enlarging only with UPSCALE. */
function fitted(w: number, h: number, W: number, H: number, options: GeometryOptions): Geometry {
  const [boxW, boxH] = [W === 0 ? Infinity : W, H === 0 ? Infinity : H];
  const scale = Math.min(options.upscale ? Infinity : 1, boxW / w, boxH / h);
  const { width, height } =
    scale !== 1 && options.thumbnailRounding === 'pillow'
      ? pillowFit(w, h, boxW, boxH)
      : { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
  if (width === w && height === h) return { width, height };
  return { resize: { width, height }, width, height };
}

/**
 * Pillow 9.4's `Image.thumbnail()` size rule (`preserve_aspect_ratio`): the bounded side is
 * exact, the other is rounded down or up, whichever keeps `w / h` closer (down on a tie),
 * and at least 1. 601x203 into 34x34: 34x12, where nearest gives 34x11.
 */
export function pillowFit(
  w: number,
  h: number,
  boxW: number,
  boxH: number,
): { width: number; height: number } {
  const aspect = w / h;
  const closest = (value: number, error: (n: number) => number) => {
    const [down, up] = [Math.floor(value), Math.ceil(value)];
    return Math.max(error(up) < error(down) ? up : down, 1);
  };
  if (boxW / boxH >= aspect) {
    return { width: closest(boxH * aspect, (n) => Math.abs(aspect - n / boxH)), height: boxH };
  }
  // Pillow scores a height of 0 as a perfect fit; the floor of 1 then applies.
  const height = closest(boxW / aspect, (n) => (n === 0 ? 0 : Math.abs(aspect - boxW / n)));
  return { width: boxW, height };
}

/** Offset of a `box`-long window in `full`, centred on `point` (0..1) and kept inside. */
function offsetAround(point: number, full: number, box: number): number {
  const ideal = Math.round(point * full - box / 2);
  return Math.min(Math.max(ideal, 0), full - box);
}

function encoderFor(format: OutputFormat, config: EncoderConfig): EncoderOptions {
  switch (format) {
    case 'jpg':
      return { format, quality: config.jpegQuality, progressive: true };
    case 'png':
      return { format, compressionLevel: config.pngCompression };
    case 'webp':
      return { format, quality: config.webpQuality };
    case 'avif':
      return { format, quality: config.avifQuality, effort: config.avifEffort };
    case 'gif':
      return { format };
  }
}
