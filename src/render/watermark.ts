// The watermark: its image read and checked once at start, and drawn onto renditions.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import type { WatermarkConfig } from '../config/load-config.js';
import type { Rect } from './plan.js';
import type { WatermarkPlacement } from './watermark-plan.js';

/** A watermark ready to draw: its pixels decoded once, and what decides its look. */
export interface Watermark extends WatermarkPlacement {
  /** The image as PNG (decoded and re-encoded once at start: nothing odd reaches a render). */
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  readonly opacity: number;
  /**
   * Names this watermark: a hash of the image's bytes and every WATERMARK_ setting. The
   * cache records it to purge watermarked renditions when it changes.
   */
  readonly stamp: string;
}

/** The stamp recorded when WATERMARK_IMAGE is unset. */
export const NO_WATERMARK = 'none';

/** Largest watermark image, width x height: a mark is small; a bomb here would stop every start. */
const MAX_WATERMARK_PIXELS = 16_000_000;

/**
 * Reads and checks WATERMARK_IMAGE. Throws an Error naming the setting, the path and what
 * is wrong when the file is missing, unreadable, not an image, or too large; undefined
 * when the setting is empty.
 */
export async function loadWatermark(config: WatermarkConfig): Promise<Watermark | undefined> {
  const { image: path, gravity, margin, opacity, scale } = config;
  if (path === undefined) return undefined;
  const fail = (why: string): never => {
    throw new Error(
      `WATERMARK_IMAGE: expected a readable PNG, WebP, JPEG, GIF or AVIF image of at most ${MAX_WATERMARK_PIXELS} pixels but ${JSON.stringify(path)} ${why}; fix the file or set WATERMARK_IMAGE to another (empty turns the watermark filter off)`,
    );
  };
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) =>
    fail(`could not be read (${error.code ?? error.message})`),
  );
  const decoded = await sharp(bytes, { limitInputPixels: MAX_WATERMARK_PIXELS, failOn: 'error' })
    .ensureAlpha()
    .png()
    .toBuffer({ resolveWithObject: true })
    .catch((error: Error) => fail(`is not an image sharp can decode (${error.message})`));
  const stamp = createHash('sha256')
    .update(JSON.stringify({ gravity, margin, opacity, scale }))
    .update(bytes)
    .digest('hex');
  return {
    png: decoded.data,
    width: decoded.info.width,
    height: decoded.info.height,
    gravity,
    margin,
    opacity,
    scale,
    stamp,
  };
}

/**
 * The overlay sharp composites for `mark` drawn at `at`: the mark resized to `at`'s size,
 * its alpha multiplied by the opacity.
 */
export async function watermarkOverlay(
  mark: Watermark,
  at: Rect,
): Promise<{
  input: Buffer;
  raw: { width: number; height: number; channels: 4 };
  left: number;
  top: number;
}> {
  const { data, info } = await sharp(mark.png)
    .resize(at.width, at.height, { fit: 'fill' })
    .ensureAlpha()
    .linear([1, 1, 1, mark.opacity], [0, 0, 0, 0])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    input: data,
    raw: { width: info.width, height: info.height, channels: 4 },
    left: at.left,
    top: at.top,
  };
}

/** Composites `overlay` onto one image (one frame). */
export function drawWatermark(
  image: Sharp,
  overlay: Awaited<ReturnType<typeof watermarkOverlay>>,
): Sharp {
  return image.composite([overlay]);
}
