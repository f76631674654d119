// Reads an original's header (no decode) and checks it against the input limits.

import sharp, { type Metadata } from 'sharp';
import { AppError } from '../errors.js';
import type { SourceInfo } from './plan.js';
import { translateSharpError } from './sharp-errors.js';

export interface ProbeLimits {
  readonly maxInputPixels: number;
  readonly maxInputFrames: number;
  readonly inputFormats: readonly string[];
}

/** Probes a file; throws `UNSUPPORTED_IMAGE` or `IMAGE_TOO_LARGE` as an AppError. */
export async function probeOriginal(file: string, limits: ProbeLimits): Promise<SourceInfo> {
  let metadata: Metadata;
  try {
    metadata = await sharp(file, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw translateSharpError(error);
  }
  const format =
    metadata.format === 'heif' && metadata.compression === 'av1' ? 'avif' : metadata.format;
  if (!limits.inputFormats.includes(format)) {
    throw new AppError(
      'UNSUPPORTED_IMAGE',
      `Expected an original in ${limits.inputFormats.join(', ')} but it is ${format}`,
    );
  }
  // sharp opens the first frame only, so this is one frame's size.
  const pixels = metadata.width * metadata.height;
  if (pixels > limits.maxInputPixels) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `Expected an original of at most ${limits.maxInputPixels} pixels but it has ${pixels}`,
    );
  }
  // Every frame of an animation is read by a render of all of them and by validation.
  const frames = metadata.pages ?? 1;
  if (frames > limits.maxInputFrames) {
    throw new AppError(
      'IMAGE_TOO_LARGE',
      `Expected an original of at most ${limits.maxInputFrames} frames but it has ${frames} (MAX_INPUT_FRAMES)`,
    );
  }
  const { width, height } = metadata.autoOrient;
  return { width, height, format, hasAlpha: metadata.hasAlpha };
}
