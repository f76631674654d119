// Real sharp on generated images: decoded size, format, orientation and colour, never bytes.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createRenderer } from '../../src/render/renderer.js';
import { configureSharp } from '../../src/render/sharp-setup.js';
import type { FormatChoice } from '../../src/url/negotiate.js';
import { CENTRE, type RenditionSpec } from '../../src/url/rendition-spec.js';
import {
  BLUE,
  cmykJpeg,
  colourAt,
  exifRotatedJpeg,
  GREEN,
  inspect,
  jpegImage,
  near,
  pngImage,
  pixelBombPng,
  pngWithAlpha,
  RED,
  WHITE,
  webpImage,
} from '../helpers/images.js';

const config = loadConfig({});

const renderer = createRenderer({ render: config.render, encoder: config.encoder });
let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  configureSharp(config.render.inputFormats);
  dir = await mkdtemp(join(tmpdir(), 'rendition-render-'));
  const images = {
    'photo.jpg': await jpegImage(800, 600),
    'photo.png': await pngImage(800, 600),
    'photo.webp': await webpImage(800, 600),
    'alpha.png': await pngWithAlpha(400, 400),
    'rotated.jpg': await exifRotatedJpeg(600, 400),
    'cmyk.jpg': await cmykJpeg(300, 200),
    'not-an-image.jpg': Buffer.from('<html>hello</html>'),
  };
  for (const [name, bytes] of Object.entries(images)) {
    files[name] = join(dir, name);
    await writeFile(join(dir, name), bytes);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const thumbnail = (name: string, width: number, height: number): RenditionSpec => ({
  path: name,
  filters: [],
  resize: { sizer: 'thumbnail', width, height },
});
const explicit = (format: 'jpg' | 'png' | 'webp' | 'avif'): FormatChoice => ({
  kind: 'explicit',
  format,
});
const fallback: FormatChoice = { kind: 'original' };

function file(name: string): string {
  const path = files[name];
  if (path === undefined) throw new Error(`no test file ${name}`);
  return path;
}

describe('renderer on real images', () => {
  it.each([
    ['photo.jpg', 'jpg', 'jpeg'],
    ['photo.png', 'png', 'png'],
    ['photo.webp', 'webp', 'webp'],
  ] as const)('thumbnails %s keeping its format as the fallback', async (name, format, decoded) => {
    const image = await renderer.render(file(name), thumbnail(name, 200, 200), fallback, CENTRE);
    expect(image.format).toBe(format);
    const facts = await inspect(image.body);
    expect(facts).toMatchObject({ format: decoded, width: 200, height: 150 });
    expect(near(await colourAt(image.body, 0.25, 0.5), RED)).toBe(true);
    expect(near(await colourAt(image.body, 0.75, 0.5), BLUE)).toBe(true);
  });

  it.each(['jpg', 'png', 'webp', 'avif'] as const)('encodes %s on request', async (format) => {
    const image = await renderer.render(
      file('photo.jpg'),
      thumbnail('photo.jpg', 100, 100),
      explicit(format),
      CENTRE,
    );
    const facts = await inspect(image.body);
    expect(facts.format).toBe(format === 'jpg' ? 'jpeg' : format);
    expect([facts.width, facts.height]).toEqual([100, 75]);
  });

  it('writes progressive JPEG without metadata', async () => {
    const image = await renderer.render(
      file('rotated.jpg'),
      thumbnail('rotated.jpg', 100, 100),
      explicit('jpg'),
      CENTRE,
    );
    const facts = await inspect(image.body);
    expect(facts.progressive).toBe(true);
    const meta = await sharp(image.body).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(facts.orientation).toBeUndefined();
  });

  it('applies EXIF orientation', async () => {
    // Stored 600x400 with orientation 6: upright it is 400x600 with the marker top-right.
    const image = await renderer.render(
      file('rotated.jpg'),
      thumbnail('rotated.jpg', 200, 300),
      explicit('png'),
      CENTRE,
    );
    const facts = await inspect(image.body);
    expect([facts.width, facts.height]).toEqual([200, 300]);
    expect(near(await colourAt(image.body, 0.97, 0.03), GREEN)).toBe(true);
    expect(near(await colourAt(image.body, 0.03, 0.03), GREEN)).toBe(false);
  });

  it('converts CMYK to sRGB', async () => {
    const image = await renderer.render(
      file('cmyk.jpg'),
      thumbnail('cmyk.jpg', 150, 150),
      explicit('jpg'),
      CENTRE,
    );
    const facts = await inspect(image.body);
    expect(facts).toMatchObject({ space: 'srgb', channels: 3, width: 150, height: 100 });
    const colour = await colourAt(image.body, 0.5, 0.5);
    expect(colour.r).toBeGreaterThan(150);
    expect(colour.b).toBeLessThan(100);
  });

  it('keeps alpha in PNG and WebP, flattens it onto white in JPEG', async () => {
    const png = await renderer.render(
      file('alpha.png'),
      thumbnail('alpha.png', 100, 100),
      fallback,
      CENTRE,
    );
    expect(await inspect(png.body)).toMatchObject({ format: 'png', hasAlpha: true });
    const webp = await renderer.render(
      file('alpha.png'),
      thumbnail('alpha.png', 100, 100),
      explicit('webp'),
      CENTRE,
    );
    expect(await inspect(webp.body)).toMatchObject({ format: 'webp', hasAlpha: true });
    const jpeg = await renderer.render(
      file('alpha.png'),
      thumbnail('alpha.png', 100, 100),
      explicit('jpg'),
      CENTRE,
    );
    expect(await inspect(jpeg.body)).toMatchObject({ format: 'jpeg', hasAlpha: false });
    // Half-transparent red over white is pink, not the dark red it would be over black.
    const colour = await colourAt(jpeg.body, 0.5, 0.5);
    expect(colour.r).toBeGreaterThan(200);
    expect(colour.g).toBeGreaterThan(100);
    expect(near(colour, WHITE)).toBe(false);
  });

  it('crops to exactly WxH around the centre', async () => {
    const spec: RenditionSpec = {
      path: 'photo.jpg',
      filters: [],
      resize: { sizer: 'crop', width: 100, height: 100 },
    };
    const image = await renderer.render(file('photo.jpg'), spec, explicit('png'), CENTRE);
    expect(await inspect(image.body)).toMatchObject({ width: 100, height: 100 });
    // The centred square of a red|blue image is red on the left and blue on the right.
    expect(near(await colourAt(image.body, 0.1, 0.5), RED)).toBe(true);
    expect(near(await colourAt(image.body, 0.9, 0.5), BLUE)).toBe(true);
  });

  it('crops around the PPOI', async () => {
    const spec: RenditionSpec = {
      path: 'photo.jpg',
      filters: [],
      resize: { sizer: 'crop', width: 100, height: 100 },
    };
    const image = await renderer.render(file('photo.jpg'), spec, explicit('png'), { x: 0, y: 0 });
    // Anchored top-left: 800x600 scales to 133x100, the window is x 0..100 of it.
    expect(near(await colourAt(image.body, 0.05, 0.05), GREEN)).toBe(true);
    expect(near(await colourAt(image.body, 0.6, 0.95), RED)).toBe(true);
    expect(near(await colourAt(image.body, 0.75, 0.95), BLUE)).toBe(true);
    const centred = await renderer.render(file('photo.jpg'), spec, explicit('png'), CENTRE);
    expect(near(await colourAt(centred.body, 0.05, 0.05), GREEN)).toBe(false);
  });

  it('applies filters', async () => {
    const invert: RenditionSpec = {
      path: 'photo.png',
      filters: ['invert'],
      resize: { sizer: 'thumbnail', width: 200, height: 200 },
    };
    const inverted = await renderer.render(file('photo.png'), invert, explicit('png'), CENTRE);
    expect(
      near(await colourAt(inverted.body, 0.25, 0.5), {
        r: 255 - RED.r,
        g: 255 - RED.g,
        b: 255 - RED.b,
      }),
    ).toBe(true);
    const gray = await renderer.render(
      file('photo.png'),
      { ...invert, filters: ['grayscale'] },
      explicit('png'),
      CENTRE,
    );
    const g = await colourAt(gray.body, 0.25, 0.5);
    expect(g.r).toBe(g.g);
    expect(g.g).toBe(g.b);
    // Blur mixes red and blue across the middle edge; the unfiltered edge stays sharp.
    const blurred = await renderer.render(
      file('photo.png'),
      { ...invert, filters: ['blur'] },
      explicit('png'),
      CENTRE,
    );
    const edge = await colourAt(blurred.body, 0.497, 0.5);
    expect(near(edge, RED, 30)).toBe(false);
    const sharpened = await renderer.render(
      file('photo.png'),
      { ...invert, filters: ['sharpen'] },
      explicit('png'),
      CENTRE,
    );
    expect(await inspect(sharpened.body)).toMatchObject({ width: 200, height: 150 });
    const plain = await renderer.render(
      file('photo.png'),
      { ...invert, filters: [] },
      explicit('png'),
      CENTRE,
    );
    const pixels = async (body: Buffer) => sharp(body).raw().toBuffer();
    // Sharpening changes pixels along the red|blue edge; a no-op would not.
    expect(Buffer.compare(await pixels(sharpened.body), await pixels(plain.body))).not.toBe(0);
  });

  it('renders a batch from one decode exactly like single renders', async () => {
    const items = [
      { spec: thumbnail('photo.jpg', 180, 180), choice: explicit('webp') },
      { spec: thumbnail('photo.jpg', 320, 0), choice: fallback },
      {
        spec: {
          path: 'photo.jpg',
          filters: ['grayscale'],
          resize: { sizer: 'crop', width: 100, height: 100 },
        },
        choice: explicit('png'),
      },
    ] satisfies { spec: RenditionSpec; choice: FormatChoice }[];
    const batch = await renderer.renderMany(file('photo.jpg'), items, CENTRE);
    for (const [index, item] of items.entries()) {
      const result = batch[index];
      if (result?.status !== 'fulfilled') throw new Error(`item ${index} failed`);
      const single = await renderer.render(file('photo.jpg'), item.spec, item.choice, CENTRE);
      expect(result.value.format).toBe(single.format);
      const [a, b] = [await inspect(result.value.body), await inspect(single.body)];
      expect([a.format, a.width, a.height]).toEqual([b.format, b.width, b.height]);
      const [ca, cb] = [
        await colourAt(result.value.body, 0.3, 0.6),
        await colourAt(single.body, 0.3, 0.6),
      ];
      expect(near(ca, cb, 12)).toBe(true);
    }
  });

  it('refuses a file that is not an image', async () => {
    await expect(
      renderer.render(file('not-an-image.jpg'), thumbnail('x', 100, 100), fallback, CENTRE),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_IMAGE' });
  });

  it('refuses an original over the pixel limit from its header, before decoding', async () => {
    // A tiny PNG whose header claims 100000x100000 pixels.
    const bomb = join(dir, 'bomb.png');
    await writeFile(bomb, await pixelBombPng(100_000, 100_000));
    await expect(
      renderer.render(bomb, thumbnail('x', 10, 10), fallback, CENTRE),
    ).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      message: `Expected an original of at most ${config.render.maxInputPixels} pixels but it has 10000000000`,
    });
  });
});
