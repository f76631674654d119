// Runs a render plan with sharp: one decode, the plan's steps in order, one encode.

import sharp, { type Sharp } from 'sharp';
import type { Filter } from '../url/rendition-spec.js';
import type { Animation, EncoderOptions, Padding, RenderPlan } from './plan.js';
import { translateSharpError } from './sharp-errors.js';
import { drawWatermark, type Watermark, watermarkOverlay } from './watermark.js';
import type { ImageInput } from './image-input.js';

/** Decoded pixels kept in memory so several renditions share one decode. */
export interface DecodedImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

export interface PipelineLimits {
  readonly maxInputPixels: number;
  /** Bounds an animation's whole strip of frames (checked from the header before). */
  readonly maxAnimationPixels: number;
  readonly timeoutMs: number;
}

/** Blur radius of the `blur` filter, in output pixels (sharp's Gaussian sigma). */
export const BLUR_SIGMA = 4;

const FILTER_STEPS: Readonly<Record<Filter, (image: Sharp) => Sharp>> = {
  // The plan's doing: a plan with `still` has no animation, so only the first frame is read.
  still: (image) => image,
  // Drawn after every other step, the bars included (runPipeline).
  watermark: (image) => image,
  invert: (image) => image.negate({ alpha: false }),
  grayscale: (image) => image.grayscale(),
  blur: (image) => image.blur(BLUR_SIGMA),
  sharpen: (image) => image.sharpen(),
};

/**
 * Filters that read neighbouring pixels. On an animation sharp holds the frames as one tall
 * strip, so these would blend each frame's edge into the next: they run frame by frame.
 */
const NEIGHBOURHOOD_FILTERS: ReadonlySet<Filter> = new Set(['blur', 'sharpen']);

/**
 * Renders an original (or pixels decoded once) by `plan` into an encoded buffer. EXIF orientation is applied, metadata is
 * stripped and the output is converted to sRGB (sharp's default), so CMYK and wide-gamut
 * originals look right in browsers. With `plan.animation`, every frame of the original is
 * rendered: sharp resizes and extracts each frame of its strip of frames on its own; the
 * neighbourhood filters and the pad bars run frame by frame.
 */
export async function runPipeline(
  input: ImageInput | DecodedImage,
  plan: RenderPlan,
  limits: PipelineLimits,
  mark?: Watermark,
): Promise<Buffer> {
  try {
    let image = open(input, limits, plan.animation !== undefined).timeout({
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
    const filtered = (frame: Sharp) =>
      plan.filters.reduce((f, filter) => FILTER_STEPS[filter](f), frame);
    const byFrame =
      plan.animation !== undefined && plan.filters.some((f) => NEIGHBOURHOOD_FILTERS.has(f));
    // One frame's height before the bars (raw output does not say where frames end).
    const frameHeight = plan.height - (plan.pad === undefined ? 0 : plan.pad.top + plan.pad.bottom);
    image = byFrame ? await frameByFrame(image, frameHeight, filtered) : filtered(image);
    if (plan.flatten) image = image.flatten({ background: '#ffffff' });
    if (plan.pad !== undefined) {
      image = await padded(image, plan.pad, plan.animation === undefined ? undefined : frameHeight);
    }
    if (plan.watermark !== undefined && mark !== undefined) {
      // Over the finished pixels of each frame: a second pass, so no filter reaches the mark.
      const overlay = await watermarkOverlay(mark, plan.watermark);
      image = await frameByFrame(image, plan.height, (frame) => drawWatermark(frame, overlay));
    }
    return await encode(image, plan.encoder, plan.animation).toBuffer();
  } catch (error) {
    throw translateSharpError(error);
  }
}

/**
 * Decodes `input` once, upright and in sRGB, shrunk to `width` x `height` (shrink-on-load
 * makes this far cheaper than a full decode), for {@link runPipeline} to reuse.
 */
export async function decodeOnce(
  input: ImageInput,
  size: { width: number; height: number } | undefined,
  limits: PipelineLimits,
): Promise<DecodedImage> {
  try {
    let image = open(input, limits, false);
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
async function padded(image: Sharp, pad: Padding, frameHeight: number | undefined): Promise<Sharp> {
  const { background, ...bars } = pad;
  const extend = (frame: Sharp) => frame.extend({ ...bars, background });
  // sharp extends a raw strip as one image: an animation's bars go on frame by frame.
  if (frameHeight !== undefined) return frameByFrame(image, frameHeight, extend);
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  return extend(sharp(data, { raw: { width, height, channels } }));
}

/**
 * Runs `step` on each frame of an animation on its own, then stacks the frames again
 * (a second pass over raw pixels; only for the filters that would cross frame edges).
 */
async function frameByFrame(
  image: Sharp,
  frameHeight: number,
  step: (frame: Sharp) => Sharp,
): Promise<Sharp> {
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  const frameBytes = width * frameHeight * channels;
  const frames = await Promise.all(
    Array.from({ length: Math.round(height / frameHeight) }, (_, i) =>
      step(
        sharp(data.subarray(i * frameBytes, (i + 1) * frameBytes), {
          raw: { width, height: frameHeight, channels },
        }),
      )
        .raw()
        .toBuffer({ resolveWithObject: true }),
    ),
  );
  const out = frames[0]?.info ?? { width, height: frameHeight, channels };
  return sharp(Buffer.concat(frames.map((f) => f.data)), {
    raw: {
      width: out.width,
      height: out.height * frames.length,
      channels: out.channels,
      pageHeight: out.height,
    },
  });
}

function open(input: ImageInput | DecodedImage, limits: PipelineLimits, animated: boolean): Sharp {
  const original = typeof input === 'string' || Buffer.isBuffer(input);
  if (original && animated) {
    // Every frame, as one strip of frames; GIF and WebP carry no EXIF orientation to apply.
    return sharp(input, { animated: true, limitInputPixels: limits.maxAnimationPixels });
  }
  if (original) {
    return sharp(input, { autoOrient: true, limitInputPixels: limits.maxInputPixels });
  }
  const { data, width, height, channels } = input;
  return sharp(data, { raw: { width, height, channels } });
}

function encode(image: Sharp, options: EncoderOptions, animation: Animation | undefined): Sharp {
  // Raw passes (pad, frame by frame) lose the original's timing: give it again.
  const timing =
    animation === undefined
      ? {}
      : {
          loop: animation.loop,
          ...(animation.delay.length > 0 ? { delay: [...animation.delay] } : {}),
        };
  switch (options.format) {
    case 'jpg':
      return image.jpeg({ quality: options.quality, progressive: options.progressive });
    case 'png':
      return image.png({ compressionLevel: options.compressionLevel });
    case 'webp':
      return image.webp({ quality: options.quality, ...timing });
    case 'avif':
      return image.avif({ quality: options.quality, effort: options.effort });
    case 'gif':
      return image.gif(timing);
  }
}
