// Validation of a new original: the real format from its bytes, the limits, a full decode.

import sharp from 'sharp';
import type { SourceInfo } from './plan.js';
import { type ProbeLimits, probeOriginal } from './probe.js';
import { translateSharpError } from './sharp-errors.js';

/**
 * Checks that `file` is a whole, readable image of an allowed format within the pixel
 * limit, and returns what it really is. The header is checked first (cheap, refuses pixel
 * bombs before any decode), then every pixel is decoded once: a truncated or corrupt file
 * is refused now rather than on its first render. Names and Content-Type are never trusted.
 */
export async function validateOriginal(file: string, limits: ProbeLimits): Promise<SourceInfo> {
  const info = await probeOriginal(file, limits);
  try {
    // stats() is a sink over every pixel: libvips streams it, memory stays small.
    await sharp(file, { limitInputPixels: limits.maxInputPixels, failOn: 'warning' }).stats();
  } catch (error) {
    throw translateSharpError(error);
  }
  return info;
}
