// Reads an original's header (no decode) and checks it against the input limits.

import sharp, { type Metadata } from 'sharp';
import { AppError } from '../errors.js';
import type { SourceInfo } from './plan.js';
import { translateSharpError } from './sharp-errors.js';
import type { ImageInput } from './image-input.js';

export interface ProbeLimits {
  readonly maxInputPixels: number;
  readonly maxInputFrames: number;
  readonly inputFormats: readonly string[];
}

/**
 * HEIF codings the bundled libvips decodes. Measured (test/render/heif.test.ts): sharp's
 * prebuilt libheif has the AV1 decoder (AVIF) but no HEVC one (libde265 is left out of the
 * prebuilt binaries for patent licensing), so an iPhone's HEVC-coded HEIC cannot be read.
 */
export const DECODABLE_HEIF_CODINGS: readonly string[] = ['av1'];

/** Probes an original; throws `UNSUPPORTED_IMAGE` or `IMAGE_TOO_LARGE` as an AppError. */
export async function probeOriginal(input: ImageInput, limits: ProbeLimits): Promise<SourceInfo> {
  let metadata: Metadata;
  try {
    metadata = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw translateSharpError(error);
  }
  const format = formatOf(metadata);
  // `heif` admits every HEIF the bundled libvips decodes, AV1-coded ones (AVIF) included.
  const allowed =
    limits.inputFormats.includes(format) ||
    (format === 'avif' && limits.inputFormats.includes('heif'));
  if (!allowed) {
    throw new AppError(
      'UNSUPPORTED_IMAGE',
      `Expected an original in ${limits.inputFormats.join(', ')} but it is ${describeFormat(metadata)}`,
    );
  }
  if (format === 'heif') checkHeifCoding(metadata);
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
  const animation =
    frames > 1
      ? { frames, loop: metadata.loop ?? 0, ...(metadata.delay ? { delay: metadata.delay } : {}) }
      : {};
  return { width, height, format, hasAlpha: metadata.hasAlpha, ...animation };
}

/** sharp's format name, with AV1-coded HEIF called what it is: AVIF. */
function formatOf(metadata: Metadata): string {
  return metadata.format === 'heif' && metadata.compression === 'av1' ? 'avif' : metadata.format;
}

/** The format for a message: HEIF says its coding, which decides whether it can be read. */
function describeFormat(metadata: Metadata): string {
  if (metadata.format !== 'heif' || metadata.compression === 'av1') return formatOf(metadata);
  const coding = metadata.compression ?? 'unknown';
  return coding === 'hevc'
    ? 'heif: an HEIC coded with HEVC (H.265), as iPhones write it'
    : `heif coded with ${coding}`;
}

/** Refuses, from the header, a HEIF whose coding the bundled libvips has no decoder for. */
function checkHeifCoding(metadata: Metadata): void {
  const coding = metadata.compression ?? 'unknown';
  if (DECODABLE_HEIF_CODINGS.includes(coding)) return;
  throw new AppError(
    'UNSUPPORTED_IMAGE',
    `Expected a HEIF coded with ${DECODABLE_HEIF_CODINGS.join(', ')} (AVIF) but it is ${describeFormat(metadata)}, which cannot be read: the bundled libvips (sharp's prebuilt binaries) has no ${coding.toUpperCase()} decoder. Convert it to JPEG or AVIF before uploading (e.g. heif-convert), or run sharp on a system libvips built with libde265`,
  );
}
