// Hostile image bytes over real HTTP, each both as an upload (POST /admin/images) and as an
// original dropped into MEDIA_ROOT by another app and then asked for as a rendition: bombs,
// truncated and bit-flipped files, non-images, polyglots, SVG attacks, refused formats.
// Every case checks the status and code, that the roots changed only as they should, that no
// temp file is left, and that the server still serves a good request.

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  animatedGif,
  bitFlipped,
  bitFlippedGif,
  bmpImage,
  EMPTY_ZIP,
  elfBytes,
  gifHtmlPolyglot,
  HOSTILE_SVGS,
  jpegClaiming,
  noiseGif,
  PDF_DOCUMENT,
  PHP_SHELL,
  pngWithTextBomb,
  psdImage,
  seededRandom,
  solidPngBomb,
  tiffImage,
  webpClaiming,
} from '../helpers/hostile-images.js';
import { errorOf } from '../helpers/http.js';
import {
  colourAt,
  inspect,
  jpegImage,
  near,
  pixelBombPng,
  pngImage,
  RED,
  webpImage,
} from '../helpers/images.js';
import { type Hostile, registeredPath, startHostile } from './harness.js';

let hostile: Hostile;

beforeAll(async () => {
  hostile = await startHostile();
});
afterAll(async () => {
  await hostile.dispose();
});

interface Refused {
  readonly name: string;
  readonly file: string;
  readonly bytes: () => Buffer | Promise<Buffer>;
  readonly status: number;
  readonly code: string;
}

const TOO_LARGE = { status: 422, code: 'IMAGE_TOO_LARGE' } as const;
const UNSUPPORTED = { status: 415, code: 'UNSUPPORTED_IMAGE' } as const;

const REFUSED: readonly Refused[] = [
  // Pixel bombs: refused from the header, before any decode.
  {
    name: 'a header-only PNG bomb (IHDR claims 100000x100000)',
    file: 'bomb.png',
    bytes: () => pixelBombPng(100_000, 100_000),
    ...TOO_LARGE,
  },
  {
    name: 'a real decompression bomb (a whole 20000x20000 PNG of ~50 kB)',
    file: 'solid.png',
    bytes: () => solidPngBomb(20_000, 20_000),
    ...TOO_LARGE,
  },
  {
    name: 'a JPEG whose SOF claims 65000x65000',
    file: 'huge.jpg',
    bytes: () => jpegClaiming(65_000, 65_000),
    ...TOO_LARGE,
  },
  {
    name: 'a WebP whose VP8 header claims 16383x16383',
    file: 'huge.webp',
    bytes: () => webpClaiming(16_383, 16_383),
    ...TOO_LARGE,
  },
  // Truncated files: a full decode is what finds them.
  {
    name: 'a JPEG cut after its headers',
    file: 'cut.jpg',
    bytes: async () => (await jpegImage(300, 200)).subarray(0, 700),
    ...UNSUPPORTED,
  },
  {
    name: 'a PNG cut inside its IDAT',
    file: 'cut.png',
    bytes: async () => (await pngImage(300, 200)).subarray(0, 500),
    ...UNSUPPORTED,
  },
  {
    name: 'a WebP cut inside its VP8 data',
    file: 'cut.webp',
    bytes: async () => (await webpImage(300, 200)).subarray(0, 300),
    ...UNSUPPORTED,
  },
  {
    name: 'a GIF cut before its trailer',
    file: 'cut.gif',
    bytes: async () => {
      const gif = await noiseGif();
      return gif.subarray(0, gif.length - 40);
    },
    ...UNSUPPORTED,
  },
  // Bit flips (seeded) in the coded data.
  {
    name: 'a bit-flipped JPEG',
    file: 'flipped.jpg',
    bytes: async () => {
      const jpeg = await jpegImage(300, 200);
      return bitFlipped(jpeg, 1, 8, jpeg.length >> 2);
    },
    ...UNSUPPORTED,
  },
  {
    name: 'a bit-flipped PNG (CRC and zlib checks)',
    file: 'flipped.png',
    bytes: async () => {
      const png = await pngImage(300, 200);
      return bitFlipped(png, 2, 8, png.length >> 2);
    },
    ...UNSUPPORTED,
  },
  {
    name: 'a bit-flipped WebP',
    file: 'flipped.webp',
    bytes: async () => {
      const webp = await webpImage(300, 200);
      return bitFlipped(webp, 3, 8, webp.length >> 2);
    },
    ...UNSUPPORTED,
  },
  {
    name: 'a GIF with a bit flipped in its LZW code size',
    file: 'flipped.gif',
    bytes: bitFlippedGif,
    ...UNSUPPORTED,
  },
  // Not images at all, named as images.
  {
    name: 'an empty file named .jpg',
    file: 'empty.jpg',
    bytes: () => Buffer.alloc(0),
    ...UNSUPPORTED,
  },
  {
    name: 'random bytes named .png',
    file: 'noise.png',
    bytes: () => {
      const random = seededRandom(11);
      return Buffer.from(Array.from({ length: 5000 }, () => Math.floor(random() * 256)));
    },
    ...UNSUPPORTED,
  },
  { name: 'an executable named .webp', file: 'program.webp', bytes: elfBytes, ...UNSUPPORTED },
  {
    name: 'an HTML page named .gif',
    file: 'page.gif',
    bytes: () => Buffer.from('<!doctype html><script>fetch("/admin/images")</script>'),
    ...UNSUPPORTED,
  },
  // SVG is not an input format: whatever it holds, no SVG parser ever sees it.
  {
    name: 'an SVG with a script',
    file: 'script.svg',
    bytes: () => Buffer.from(HOSTILE_SVGS.script),
    ...UNSUPPORTED,
  },
  {
    name: 'an SVG with nested entities (billion laughs)',
    file: 'laughs.svg',
    bytes: () => Buffer.from(HOSTILE_SVGS.entities),
    ...UNSUPPORTED,
  },
  {
    name: 'an SVG with an XInclude of /etc/passwd',
    file: 'xinclude.svg',
    bytes: () => Buffer.from(HOSTILE_SVGS.xinclude),
    ...UNSUPPORTED,
  },
  {
    name: 'an SVG with an external entity, named .png',
    file: 'xxe.png',
    bytes: () => Buffer.from(HOSTILE_SVGS.externalEntity),
    ...UNSUPPORTED,
  },
  // Formats refused by default (INPUT_FORMATS is jpeg, png, webp, gif, avif).
  { name: 'a TIFF', file: 'scan.tiff', bytes: tiffImage, ...UNSUPPORTED },
  { name: 'a TIFF named .jpg', file: 'scan.jpg', bytes: tiffImage, ...UNSUPPORTED },
  { name: 'a BMP', file: 'paint.bmp', bytes: bmpImage, ...UNSUPPORTED },
  { name: 'a PSD', file: 'layers.psd', bytes: psdImage, ...UNSUPPORTED },
  { name: 'a PDF named .png', file: 'doc.png', bytes: () => PDF_DOCUMENT, ...UNSUPPORTED },
];

let dropped = 0;

/** Drops `bytes` into MEDIA_ROOT as another app would; returns its media path. */
async function dropOriginal(file: string, bytes: Uint8Array): Promise<string> {
  dropped += 1;
  const path = `dropped/${dropped}/${file}`;
  await hostile.server.putOriginal(path, bytes);
  return path;
}

describe('hostile images as uploads', () => {
  it.each(REFUSED)('refuses $name with $status $code', async ({ file, bytes, status, code }) => {
    const body = await bytes();
    const before = await hostile.listing();
    const response = await hostile.upload(body, file);
    expect(response.status).toBe(status);
    expect(errorOf(response).code).toBe(code);
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });
});

describe('hostile images as originals dropped into MEDIA_ROOT', () => {
  it.each(REFUSED)('refuses $name with $status $code', async ({ file, bytes, status, code }) => {
    const path = await dropOriginal(file, await bytes());
    const before = await hostile.listing();
    const response = await hostile.request(`/media/${path}/thumbnail/100x100.png`);
    expect(response.status).toBe(status);
    expect(errorOf(response).code).toBe(code);
    // Negotiated and filtered URLs of the same original are refused alike, never rendered.
    const negotiated = await hostile.request(`/media/${path}/crop/100x100`, {
      headers: { Accept: 'image/avif,image/webp' },
    });
    expect(negotiated.status).toBe(status);
    const filtered = await hostile.request(`/media/${path}/filters/grayscale`);
    expect(filtered.status).toBe(status);
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });
});

describe('hostile images that are real images: accepted, and harmless', () => {
  it('renders the first frame of an animated GIF upload into PNG (no animation)', async () => {
    const before = await hostile.listing();
    const response = await hostile.upload(await animatedGif(), 'anim.gif');
    expect(response.status).toBe(201);
    const path = registeredPath(response);
    expect(JSON.parse(response.body.toString())).toMatchObject({
      path: 'images/anim.gif',
      format: 'gif',
      width: 40,
      height: 30,
    });
    await hostile.expectRoots(before, { files: [`media/${path}`], registers: true });
    const rendition = await hostile.request(`/media/${path}/thumbnail/100x100.png`);
    expect(rendition.status).toBe(200);
    expect(await inspect(rendition.body)).toMatchObject({ format: 'png', width: 40, height: 30 });
    expect(near(await colourAt(rendition.body, 0.5, 0.5), RED)).toBe(true);
    await hostile.expectStillServing();
  });

  it('renders every frame of an animated GIF dropped into MEDIA_ROOT into animated WebP', async () => {
    const path = await dropOriginal('anim.gif', await animatedGif());
    const before = await hostile.listing();
    const rendition = await hostile.request(`/media/${path}/thumbnail/100x100.webp`);
    expect(rendition.status).toBe(200);
    const meta = await sharp(rendition.body).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 40, height: 30 });
    // Animated renditions: docs/urls.md#animated-images. The first frame is the first.
    expect(meta.pages).toBe(3);
    expect(near(await colourAt(rendition.body, 0.5, 0.5), RED)).toBe(true);
    await hostile.expectRoots(before, { files: [`cache/${path}/thumbnail/100x100.webp`] });
    await hostile.expectStillServing();
  });

  it('stores a GIF/HTML polyglot as a .gif served as image/gif with nosniff, never as HTML', async () => {
    const polyglot = await gifHtmlPolyglot();
    const before = await hostile.listing();
    const response = await hostile.upload(polyglot, 'page.html');
    expect(response.status).toBe(201);
    const path = registeredPath(response);
    expect(path).toBe('images/page.gif');
    await hostile.expectRoots(before, { files: [`media/${path}`], registers: true });
    const original = await hostile.request(`/media/${path}`);
    expect(original.status).toBe(200);
    expect(original.headers['content-type']).toBe('image/gif');
    expect(original.headers['x-content-type-options']).toBe('nosniff');
    // A path that would make it HTML is refused.
    const asHtml = await hostile.upload(polyglot, 'page.gif', { path: 'pages/index.html' });
    expect(asHtml.status).toBe(400);
    expect(errorOf(asHtml).code).toBe('BAD_REQUEST');
    await hostile.expectStillServing();
  });

  it('renders a GIF/HTML polyglot dropped into MEDIA_ROOT as an image only', async () => {
    const path = await dropOriginal('page.gif', await gifHtmlPolyglot());
    const before = await hostile.listing();
    const rendition = await hostile.request(`/media/${path}/thumbnail/100x100.png`);
    expect(rendition.status).toBe(200);
    expect(rendition.headers['content-type']).toBe('image/png');
    expect(rendition.body.includes('<script>')).toBe(false);
    await hostile.expectRoots(before, { files: [`cache/${path}/thumbnail/100x100.png`] });
    await hostile.expectStillServing();
  });

  it.each([
    ['PHP', PHP_SHELL],
    ['ZIP', EMPTY_ZIP],
  ])(
    'stores a JPEG with %s appended under a .jpg name only, served as image/jpeg',
    async (_kind, payload) => {
      const polyglot = Buffer.concat([await jpegImage(120, 80), payload]);
      const before = await hostile.listing();
      const response = await hostile.upload(polyglot, `shell-${_kind.toLowerCase()}.php`);
      expect(response.status).toBe(201);
      const path = registeredPath(response);
      expect(path).toBe(`images/shell-${_kind.toLowerCase()}.jpg`);
      await hostile.expectRoots(before, { files: [`media/${path}`], registers: true });
      const original = await hostile.request(`/media/${path}`);
      expect(original.headers['content-type']).toBe('image/jpeg');
      expect(original.headers['x-content-type-options']).toBe('nosniff');
      for (const name of ['x.php', 'x.phtml', 'x.jpg.php']) {
        const refused = await hostile.upload(polyglot, 'a.jpg', { path: `shells/${name}` });
        expect(refused.status).toBe(400);
      }
      // Renditions are re-encoded pixels: the payload never reaches the cache.
      const rendition = await hostile.request(`/media/${path}/thumbnail/100x100.jpg`);
      expect(rendition.status).toBe(200);
      expect(rendition.body.includes(payload)).toBe(false);
      await hostile.expectStillServing();
    },
  );

  it('accepts a PNG whose zTXt chunk inflates to 200 MB, without the text', async () => {
    const bomb = await pngWithTextBomb(200_000_000);
    const before = await hostile.listing();
    const response = await hostile.upload(bomb, 'text-bomb.png');
    expect(response.status).toBe(201);
    const path = registeredPath(response);
    await hostile.expectRoots(before, { files: [`media/${path}`], registers: true });
    const rendition = await hostile.request(`/media/${path}/thumbnail/50x0.png`);
    expect(rendition.status).toBe(200);
    expect((await sharp(rendition.body).metadata()).comments ?? []).toEqual([]);
    await hostile.expectStillServing();
  });
});
