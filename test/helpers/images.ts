// Real test images, generated with sharp (never committed).

import sharp, { type Sharp } from 'sharp';

export type Rgb = { r: number; g: number; b: number };

export const RED: Rgb = { r: 220, g: 20, b: 20 };
export const BLUE: Rgb = { r: 20, g: 20, b: 220 };
export const GREEN: Rgb = { r: 20, g: 200, b: 20 };
export const WHITE: Rgb = { r: 255, g: 255, b: 255 };

/**
 * A raw RGB image whose left half is `left` and right half `right`, with a green block
 * in the top-left corner: enough to see orientation and crops after any render.
 */
function halves(width: number, height: number, left: Rgb, right: Rgb): Sharp {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const marker = x < width / 8 && y < height / 8;
      const colour = marker ? GREEN : x < width / 2 ? left : right;
      const at = (y * width + x) * 3;
      pixels[at] = colour.r;
      pixels[at + 1] = colour.g;
      pixels[at + 2] = colour.b;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } });
}

export function jpegImage(width: number, height: number): Promise<Buffer> {
  return halves(width, height, RED, BLUE).jpeg({ quality: 90 }).toBuffer();
}

export function pngImage(width: number, height: number): Promise<Buffer> {
  return halves(width, height, RED, BLUE).png().toBuffer();
}

export function webpImage(width: number, height: number): Promise<Buffer> {
  return halves(width, height, RED, BLUE).webp({ quality: 90 }).toBuffer();
}

/** A PNG with a half-transparent red fill. */
export function pngWithAlpha(width: number, height: number): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 4, background: { r: 220, g: 20, b: 20, alpha: 0.5 } },
  })
    .png()
    .toBuffer();
}

/**
 * A JPEG stored `width` x `height` with EXIF orientation 6 (display rotated 90° clockwise):
 * shown upright it is `height` x `width`, the green marker at the top-right.
 */
export function exifRotatedJpeg(width: number, height: number): Promise<Buffer> {
  return halves(width, height, RED, BLUE).withMetadata({ orientation: 6 }).jpeg().toBuffer();
}

/** A CMYK JPEG of a solid colour. */
export function cmykJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: RED } })
    .toColourspace('cmyk')
    .jpeg()
    .toBuffer();
}

/** Decoded facts of an encoded image, for assertions (never compare bytes). */
export async function inspect(body: Uint8Array): Promise<{
  format: string;
  width: number;
  height: number;
  channels: number;
  space: string;
  hasAlpha: boolean;
  orientation: number | undefined;
  progressive: boolean;
}> {
  const meta = await sharp(body).metadata();
  const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : meta.format;
  return {
    format,
    width: meta.width,
    height: meta.height,
    channels: meta.channels,
    space: meta.space,
    hasAlpha: meta.hasAlpha,
    orientation: meta.orientation,
    progressive: meta.isProgressive,
  };
}

/** The colour at a point (fractions of width and height) of an encoded image. */
export async function colourAt(body: Uint8Array, fx: number, fy: number): Promise<Rgb> {
  const { data, info } = await sharp(body).removeAlpha().toColourspace('srgb').raw().toBuffer({
    resolveWithObject: true,
  });
  const x = Math.min(info.width - 1, Math.floor(fx * info.width));
  const y = Math.min(info.height - 1, Math.floor(fy * info.height));
  const at = (y * info.width + x) * info.channels;
  return { r: data[at] ?? 0, g: data[at + 1] ?? 0, b: data[at + 2] ?? 0 };
}

/** The alpha (0..255; 255 for an image without alpha) at a point of an encoded image. */
export async function alphaAt(body: Uint8Array, fx: number, fy: number): Promise<number> {
  const { data, info } = await sharp(body).ensureAlpha().raw().toBuffer({
    resolveWithObject: true,
  });
  const x = Math.min(info.width - 1, Math.floor(fx * info.width));
  const y = Math.min(info.height - 1, Math.floor(fy * info.height));
  return data[(y * info.width + x) * info.channels + info.channels - 1] ?? 0;
}

/** True when two colours are within `tolerance` per channel (lossy codecs drift). */
export function near(a: Rgb, b: Rgb, tolerance = 40): boolean {
  return (
    Math.abs(a.r - b.r) <= tolerance &&
    Math.abs(a.g - b.g) <= tolerance &&
    Math.abs(a.b - b.b) <= tolerance
  );
}

/** A real 3x2 PNG whose IHDR is patched to claim `width` x `height`: a header-only pixel bomb. */
export async function pixelBombPng(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 3, height: 2, channels: 3, background: RED } })
      .png()
      .toBuffer(),
  );
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

/** CRC-32 as PNG chunks use it. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** A noisy JPEG (3000x2000 by default): a worst case that is slow enough for renders to overlap. */
export function noiseJpeg(width = 3000, height = 2000): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .jpeg()
    .toBuffer();
}

/** Skin tone of {@link offCentreSubject}'s blob. */
export const SKIN: Rgb = { r: 224, g: 172, b: 138 };

/**
 * A JPEG of a flat, dull grey scene with one subject well off-centre: a skin-toned disc with
 * dark stripes (high contrast, saturated, skin: what sharp's attention strategy looks for),
 * centred at 85% of the width, half-way down. Its radius is 10% of the width.
 */
export function offCentreSubject(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  const cx = width * 0.85;
  const cy = height / 2;
  const radius = width * 0.1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
      const stripe = inside && Math.floor(y / 6) % 4 === 0;
      const colour = !inside ? { r: 120, g: 124, b: 128 } : stripe ? { r: 30, g: 20, b: 20 } : SKIN;
      const at = (y * width + x) * 3;
      pixels[at] = colour.r;
      pixels[at + 1] = colour.g;
      pixels[at + 2] = colour.b;
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** How many pixels of an encoded image are within `tolerance` of `colour`. */
export async function countNear(body: Uint8Array, colour: Rgb, tolerance = 30): Promise<number> {
  const { data, info } = await sharp(body).removeAlpha().toColourspace('srgb').raw().toBuffer({
    resolveWithObject: true,
  });
  let count = 0;
  for (let at = 0; at < data.length; at += info.channels) {
    const pixel = { r: data[at] ?? 0, g: data[at + 1] ?? 0, b: data[at + 2] ?? 0 };
    if (near(pixel, colour, tolerance)) count += 1;
  }
  return count;
}

/** Frame timing of the generated animations: a different delay per frame, loop twice. */
export interface AnimationTiming {
  readonly delay: readonly number[];
  readonly loop: number;
}

/**
 * An animation of one solid colour per frame (`colours[i]` for frame i), with a white
 * right quarter in every frame: enough to see frames, their order and crops after a render.
 */
export function animation(
  width: number,
  height: number,
  colours: readonly Rgb[],
  format: 'gif' | 'webp',
  timing: AnimationTiming = { delay: colours.map((_, i) => 100 * (i + 1)), loop: 2 },
): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3 * colours.length);
  colours.forEach((colour, frame) => {
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const c = x >= (width * 3) / 4 ? WHITE : colour;
        pixels.set([c.r, c.g, c.b], ((frame * height + y) * width + x) * 3);
      }
    }
  });
  const image = sharp(pixels, {
    raw: { width, height: height * colours.length, channels: 3, pageHeight: height },
  });
  const options = { delay: [...timing.delay], loop: timing.loop };
  return format === 'gif'
    ? image.gif(options).toBuffer()
    : image.webp({ ...options, lossless: true }).toBuffer();
}

/** The decoded frames of an encoded image (a still is one frame), for assertions. */
export async function framesOf(body: Uint8Array): Promise<{
  format: string;
  frames: number;
  width: number;
  height: number;
  delay: number[] | undefined;
  loop: number | undefined;
  /** The colour at a point (fractions of one frame's width and height) of frame `frame`. */
  colourAt(frame: number, fx: number, fy: number): Rgb;
}> {
  const meta = await sharp(body, { animated: true }).metadata();
  const { data, info } = await sharp(body, { animated: true })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const frames = meta.pages ?? 1;
  const height = meta.pageHeight ?? meta.height;
  const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : meta.format;
  return {
    format,
    frames,
    width: info.width,
    height,
    delay: meta.delay,
    loop: meta.loop,
    colourAt(frame, fx, fy) {
      const x = Math.min(info.width - 1, Math.floor(fx * info.width));
      const y = frame * height + Math.min(height - 1, Math.floor(fy * height));
      const at = (y * info.width + x) * info.channels;
      return { r: data[at] ?? 0, g: data[at + 1] ?? 0, b: data[at + 2] ?? 0 };
    },
  };
}

/** The watermark of the tests: an opaque magenta 40x20 PNG (no image has that colour). */
export const MAGENTA: Rgb = { r: 255, g: 0, b: 255 };

export function watermarkPng(width = 40, height = 20, colour: Rgb = MAGENTA): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { ...colour, alpha: 1 } } })
    .png()
    .toBuffer();
}
