// Runs a render plan with sharp: one decode, the plan's steps in order, one encode.

import sharp, { type Sharp } from 'sharp';
import type { Filter } from '../url/rendition-spec.js';
import type { EncoderOptions, Padding, RenderPlan } from './plan.js';
import { translateSharpError } from './sharp-errors.js';

/** Decoded pixels kept in memory so several renditions share one decode. */
export interface DecodedImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

export interface PipelineLimits {
  readonly maxInputPixels: number;
  readonly timeoutMs: number;
}

/** Blur radius of the `blur` filter, in output pixels (sharp's Gaussian sigma). */
export const BLUR_SIGMA = 4;

const FILTER_STEPS: Readonly<Record<Filter, (image: Sharp) => Sharp>> = {
  invert: (image) => image.negate({ alpha: false }),
  grayscale: (image) => image.grayscale(),
  blur: (image) => image.blur(BLUR_SIGMA),
  sharpen: (image) => image.sharpen(),
};

/**
 * Renders an original file (or pixels decoded once) by `plan` into an encoded buffer. EXIF orientation is applied, metadata is
 * stripped and the output is converted to sRGB (sharp's default), so CMYK and wide-gamut
 * originals look right in browsers.
 */
export async function runPipeline(
  input: string | DecodedImage,
  plan: RenderPlan,
  limits: PipelineLimits,
): Promise<Buffer> {
  try {
    let image = open(input, limits).timeout({
      seconds: Math.max(1, Math.ceil(limits.timeoutMs / 1000)),
    });
    if (plan.smartCrop !== undefined) {
      // One cover resize: sharp scales to cover the box, then picks the region by strategy
      // (a second resize() call would replace the first, so plan.resize is implied here).
      const { width, height, strategy } = plan.smartCrop;
      image = image.resize(width, height, { fit: 'cover', position: sharp.strategy[strategy] });
    } else if (plan.resize !== undefined) {
      image = image.resize(plan.resize.width, plan.resize.height, { fit: 'fill' });
    }
    if (plan.extract !== undefined) image = image.extract(plan.extract);
    for (const filter of plan.filters) image = FILTER_STEPS[filter](image);
    if (plan.flatten) image = image.flatten({ background: '#ffffff' });
    if (plan.pad !== undefined) image = await padded(image, plan.pad);
    return await encode(image, plan.encoder).toBuffer();
  } catch (error) {
    throw translateSharpError(error);
  }
}

/**
 * Decodes `file` once, upright and in sRGB, shrunk to `width` x `height` (shrink-on-load
 * makes this far cheaper than a full decode), for {@link runPipeline} to reuse.
 */
export async function decodeOnce(
  file: string,
  size: { width: number; height: number } | undefined,
  limits: PipelineLimits,
): Promise<DecodedImage> {
  try {
    let image = open(file, limits);
    if (size !== undefined) image = image.resize(size.width, size.height, { fit: 'fill' });
    const { data, info } = await image
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    throw translateSharpError(error);
  }
}

/**
 * Adds the bars in a second pass over the filtered pixels: sharp runs its steps in a fixed
 * order (extend before blur and negate), so in one pass the filters would reach the bars.
 */
async function padded(image: Sharp, pad: Padding): Promise<Sharp> {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  const { background, ...bars } = pad;
  return sharp(data, { raw: { width, height, channels } }).extend({ ...bars, background });
}

function open(input: string | DecodedImage, limits: PipelineLimits): Sharp {
  if (typeof input === 'string') {
    return sharp(input, { autoOrient: true, limitInputPixels: limits.maxInputPixels });
  }
  const { data, width, height, channels } = input;
  return sharp(data, { raw: { width, height, channels } });
}

function encode(image: Sharp, options: EncoderOptions): Sharp {
  switch (options.format) {
    case 'jpg':
      return image.jpeg({ quality: options.quality, progressive: options.progressive });
    case 'png':
      return image.png({ compressionLevel: options.compressionLevel });
    case 'webp':
      return image.webp({ quality: options.quality });
    case 'avif':
      return image.avif({ quality: options.quality, effort: options.effort });
  }
}
