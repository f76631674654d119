// The watermark filter on real sharp: the mark's pixels at the gravity corner with the
// margin, opacity blending, never touched by the colour filters, on every frame; and the
// start-up checks of WATERMARK_IMAGE. Decoded pixels only.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createRenderer, type Renderer } from '../../src/render/renderer.js';
import { configureSharp } from '../../src/render/sharp-setup.js';
import { loadWatermark } from '../../src/render/watermark.js';
import type { FormatChoice } from '../../src/url/negotiate.js';
import type { Filter, RenditionSpec, Resize } from '../../src/url/rendition-spec.js';
import {
  animation,
  BLUE,
  framesOf,
  GREEN,
  jpegImage,
  MAGENTA,
  near,
  RED,
  type Rgb,
  watermarkPng,
} from '../helpers/images.js';

let dir: string;
let photo: string;
let gif: string;
let markFile: string;

async function rendererWith(env: Record<string, string>): Promise<Renderer> {
  const config = loadConfig({ WATERMARK_IMAGE: markFile, WATERMARK_MARGIN: '10', ...env });
  const watermark = await loadWatermark(config.watermark);
  return createRenderer({ render: config.render, encoder: config.encoder, watermark });
}

beforeAll(async () => {
  configureSharp(loadConfig({}).render.inputFormats);
  dir = await mkdtemp(join(tmpdir(), 'rendition-watermark-'));
  photo = join(dir, 'photo.jpg');
  gif = join(dir, 'a.gif');
  markFile = join(dir, 'mark.png');
  // 800x600: red left half, blue right half (and a green marker top-left).
  await writeFile(photo, await jpegImage(800, 600));
  await writeFile(gif, await animation(160, 120, [RED, GREEN, BLUE], 'gif'));
  await writeFile(markFile, await watermarkPng(40, 20));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (resize: Resize, filters: Filter[]): RenditionSpec => ({
  path: 'photo.jpg',
  filters,
  resize,
});
const PNG: FormatChoice = { kind: 'explicit', format: 'png' };

/** Decoded pixels of an encoded still, read by pixel coordinates. */
async function pixels(body: Buffer): Promise<(x: number, y: number) => Rgb> {
  const { data, info } = await sharp(body)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return (x, y) => {
    const at = (y * info.width + x) * info.channels;
    return { r: data[at] ?? 0, g: data[at + 1] ?? 0, b: data[at + 2] ?? 0 };
  };
}

describe('the watermark filter', () => {
  it('draws the mark at the gravity corner, WATERMARK_SCALE of the width, WATERMARK_MARGIN in', async () => {
    const renderer = await rendererWith({ WATERMARK_OPACITY: '1', WATERMARK_SCALE: '0.25' });
    const thumb = spec({ sizer: 'thumbnail', width: 400, height: 300 }, ['watermark']);
    const image = await renderer.render(photo, thumb, PNG, undefined);
    const at = await pixels(image.body);
    // 400x300; the mark is 100x50 at 290..390 x 240..290.
    expect(near(at(340, 265), MAGENTA, 10)).toBe(true);
    expect(near(at(291, 241), MAGENTA, 10)).toBe(true);
    expect(near(at(389, 289), MAGENTA, 10)).toBe(true);
    // The margin and the rest are the photo.
    expect(near(at(395, 295), BLUE)).toBe(true);
    expect(near(at(285, 265), BLUE)).toBe(true);
    expect(near(at(340, 235), BLUE)).toBe(true);
    expect(near(at(100, 150), RED)).toBe(true);
  });

  it('follows WATERMARK_GRAVITY', async () => {
    const renderer = await rendererWith({ WATERMARK_OPACITY: '1', WATERMARK_GRAVITY: 'northwest' });
    const thumb = spec({ sizer: 'thumbnail', width: 400, height: 300 }, ['watermark']);
    const at = await pixels((await renderer.render(photo, thumb, PNG, undefined)).body);
    expect(near(at(15, 15), MAGENTA, 10)).toBe(true);
    expect(near(at(5, 5), MAGENTA, 10)).toBe(false);
    expect(near(at(340, 265), BLUE)).toBe(true);
  });

  it('blends by WATERMARK_OPACITY', async () => {
    const renderer = await rendererWith({ WATERMARK_OPACITY: '0.5' });
    const thumb = spec({ sizer: 'thumbnail', width: 400, height: 300 }, ['watermark']);
    const at = await pixels((await renderer.render(photo, thumb, PNG, undefined)).body);
    const half = (a: number, b: number) => Math.round((a + b) / 2);
    const blend = {
      r: half(MAGENTA.r, BLUE.r),
      g: half(MAGENTA.g, BLUE.g),
      b: half(MAGENTA.b, BLUE.b),
    };
    expect(near(at(340, 265), blend, 12)).toBe(true);
  });

  it('is drawn after the colour filters: the image is inverted and grey, the mark is not', async () => {
    const renderer = await rendererWith({ WATERMARK_OPACITY: '1' });
    const thumb = spec({ sizer: 'thumbnail', width: 400, height: 300 }, ['invert', 'watermark']);
    const at = await pixels((await renderer.render(photo, thumb, PNG, undefined)).body);
    expect(near(at(340, 265), MAGENTA, 10)).toBe(true);
    expect(near(at(100, 150), { r: 255 - RED.r, g: 255 - RED.g, b: 255 - RED.b })).toBe(true);
  });

  it('sits at the corner of a pad rendition, over the bars', async () => {
    const renderer = await rendererWith({ WATERMARK_OPACITY: '1', PAD_BACKGROUND: '#ffffff' });
    const pad = spec({ sizer: 'pad', width: 400, height: 400 }, ['watermark']);
    const at = await pixels((await renderer.render(photo, pad, PNG, undefined)).body);
    // Bars 50 high top and bottom; the 100x50 mark at 290..390 x 340..390, in the bottom bar.
    expect(near(at(340, 365), MAGENTA, 10)).toBe(true);
    expect(near(at(340, 395), { r: 255, g: 255, b: 255 }, 10)).toBe(true);
  });

  it('marks every frame of an animation', async () => {
    const renderer = await rendererWith({ WATERMARK_OPACITY: '1', WATERMARK_SCALE: '0.5' });
    const thumb = {
      ...spec({ sizer: 'thumbnail', width: 80, height: 80 }, ['watermark']),
      path: 'a.gif',
    };
    const image = await renderer.render(
      gif,
      thumb,
      { kind: 'explicit', format: 'webp' },
      undefined,
    );
    const frames = await framesOf(image.body);
    expect(frames).toMatchObject({ frames: 3, width: 80, height: 60 });
    [RED, GREEN, BLUE].forEach((colour, i) => {
      // The 40x20 mark at 30..70 x 30..50 (margin 10); the frame's colour left of it.
      expect(near(frames.colourAt(i, 50 / 80, 40 / 60), MAGENTA, 30), `frame ${i}`).toBe(true);
      expect(near(frames.colourAt(i, 10 / 80, 20 / 60), colour), `frame ${i}`).toBe(true);
    });
  });

  it('is refused with WATERMARK_NOT_CONFIGURED when WATERMARK_IMAGE is unset', async () => {
    const config = loadConfig({});
    const renderer = createRenderer({ render: config.render, encoder: config.encoder });
    const thumb = spec({ sizer: 'thumbnail', width: 400, height: 300 }, ['watermark']);
    await expect(renderer.render(photo, thumb, PNG, undefined)).rejects.toMatchObject({
      code: 'WATERMARK_NOT_CONFIGURED',
      message: expect.stringMatching(/Expected WATERMARK_IMAGE to be set for filters\/watermark/),
    });
  });
});

describe('loadWatermark', () => {
  it('is undefined when WATERMARK_IMAGE is empty', async () => {
    expect(await loadWatermark(loadConfig({}).watermark)).toBeUndefined();
  });

  it('stops the start with a message naming the setting, the file and the problem', async () => {
    const missing = join(dir, 'missing.png');
    await expect(loadWatermark(loadConfig({ WATERMARK_IMAGE: missing }).watermark)).rejects.toThrow(
      /^WATERMARK_IMAGE: expected a readable .* image .* but ".*missing\.png" could not be read \(ENOENT\)/,
    );
    const text = join(dir, 'mark.txt');
    await writeFile(text, 'not an image');
    await expect(loadWatermark(loadConfig({ WATERMARK_IMAGE: text }).watermark)).rejects.toThrow(
      /"[^"]*mark\.txt" is not an image sharp can decode/,
    );
  });

  it('stamps the image and every setting', async () => {
    const stamp = async (env: Record<string, string>) =>
      (await loadWatermark(loadConfig({ WATERMARK_IMAGE: markFile, ...env }).watermark))?.stamp;
    const base = await stamp({});
    expect(await stamp({})).toBe(base);
    expect(await stamp({ WATERMARK_OPACITY: '0.3' })).not.toBe(base);
    expect(await stamp({ WATERMARK_GRAVITY: 'north' })).not.toBe(base);
    const other = join(dir, 'other.png');
    await writeFile(other, await watermarkPng(40, 20, GREEN));
    expect(await stamp({ WATERMARK_IMAGE: other })).not.toBe(base);
  });
});
