// Placeholders of an original: a dominant colour, a tiny blurred WebP (LQIP) as a data URI
// and a ThumbHash, all made from one small RGBA preview of the image (never a full decode).

import sharp, { type Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';
import { dominantColourOf } from './dominant-colour.js';
import { translateSharpError } from './sharp-errors.js';
import type { ImageInput } from './image-input.js';

/** What a template paints before the image arrives. */
export interface Placeholders {
  /** The image's dominant colour, `#rrggbb` (as sharp's `stats().dominant` defines it). */
  readonly dominant: string;
  /** A blurred WebP of at most {@link LQIP_SIDE} px a side, as a `data:image/webp;base64,…` URI. */
  readonly lqip: string;
  /** A ThumbHash (base64, about 25 bytes): colours, layout, aspect ratio and alpha. */
  readonly thumbhash: string;
}

/** Upright sRGB pixels of an original shrunk to fit {@link PREVIEW_SIDE}, 4 channels. */
export interface RgbaPreview {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** Longest side of the preview placeholders are made from (ThumbHash takes at most 100). */
export const PREVIEW_SIDE = 100;
/** Longest side of the LQIP image, in pixels. */
export const LQIP_SIDE = 16;
const LQIP_QUALITY = 40;
const LQIP_BLUR_SIGMA = 0.6;

/** The sharp steps that turn a decoded original into an {@link RgbaPreview}. */
export function toPreview(image: Sharp): Sharp {
  return image
    .resize(PREVIEW_SIDE, PREVIEW_SIDE, { fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw();
}

/** Reads a raw output of {@link toPreview}. */
export async function readPreview(image: Sharp): Promise<RgbaPreview> {
  const { data, info } = await toPreview(image).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Computes every placeholder from a preview (a few milliseconds: the preview is tiny). */
export async function placeholdersFrom(preview: RgbaPreview): Promise<Placeholders> {
  const raw = { width: preview.width, height: preview.height, channels: 4 as const };
  try {
    const lqip = await sharp(preview.data, { raw })
      .resize(LQIP_SIDE, LQIP_SIDE, { fit: 'inside', withoutEnlargement: true })
      .blur(LQIP_BLUR_SIGMA)
      .webp({ quality: LQIP_QUALITY, alphaQuality: LQIP_QUALITY, smartSubsample: true })
      .toBuffer();
    const hash = rgbaToThumbHash(preview.width, preview.height, preview.data);
    return {
      dominant: dominantColourOf(preview.data),
      lqip: `data:image/webp;base64,${lqip.toString('base64')}`,
      thumbhash: Buffer.from(hash).toString('base64'),
    };
  } catch (error) {
    throw translateSharpError(error);
  }
}

/**
 * Placeholders of an original already stored: one decode shrunk on load (JPEG at 1/8 scale,
 * WebP scaled by its decoder), for records made before placeholders existed.
 */
export async function computePlaceholders(
  input: ImageInput,
  limits: { readonly maxInputPixels: number },
): Promise<Placeholders> {
  let preview: RgbaPreview;
  try {
    preview = await readPreview(
      sharp(input, { autoOrient: true, limitInputPixels: limits.maxInputPixels }),
    );
  } catch (error) {
    throw translateSharpError(error);
  }
  return placeholdersFrom(preview);
}
