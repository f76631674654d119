// Animated originals on real sharp: every frame kept (delays, loop) in GIF and WebP, each
// step applied frame by frame, `still`, and the MAX_ANIMATION_PIXELS cap. Decoded frames only.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createRenderer } from '../../src/render/renderer.js';
import { configureSharp } from '../../src/render/sharp-setup.js';
import type { FormatChoice } from '../../src/url/negotiate.js';
import type { Filter, Ppoi, RenditionSpec, Resize } from '../../src/url/rendition-spec.js';
import { animation, BLUE, framesOf, GREEN, near, RED, WHITE } from '../helpers/images.js';

const config = loadConfig({});
const renderer = createRenderer({ render: config.render, encoder: config.encoder });
const COLOURS = [RED, GREEN, BLUE];
const TIMING = { delay: [100, 200, 300], loop: 2 };
let dir: string;
let gif: string;
let webp: string;

beforeAll(async () => {
  configureSharp(config.render.inputFormats);
  dir = await mkdtemp(join(tmpdir(), 'rendition-animation-'));
  gif = join(dir, 'a.gif');
  webp = join(dir, 'a.webp');
  await writeFile(gif, await animation(160, 120, COLOURS, 'gif', TIMING));
  await writeFile(webp, await animation(160, 120, COLOURS, 'webp', TIMING));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spec = (resize: Resize | undefined, filters: Filter[] = []): RenditionSpec => ({
  path: 'a.gif',
  filters,
  ...(resize === undefined ? {} : { resize }),
});
const thumbnail = (width: number, height: number, filters: Filter[] = []) =>
  spec({ sizer: 'thumbnail', width, height }, filters);
const explicit = (format: 'jpg' | 'png' | 'webp' | 'avif' | 'gif'): FormatChoice => ({
  kind: 'explicit',
  format,
});
const render = (file: string, s: RenditionSpec, choice: FormatChoice, ppoi?: Ppoi) =>
  renderer.render(file, s, choice, ppoi);

/** Frame i is COLOURS[i] left of 3/4 of the width, white right of it. */
function expectFrames(frames: Awaited<ReturnType<typeof framesOf>>, fx = 0.2): void {
  expect(frames.frames).toBe(3);
  COLOURS.forEach((colour, i) => {
    expect(near(frames.colourAt(i, fx, 0.5), colour), `frame ${i}`).toBe(true);
  });
}

describe('animated originals', () => {
  it.each([
    ['gif', 'webp'],
    ['gif', 'gif'],
    ['webp', 'webp'],
    ['webp', 'gif'],
  ] as const)(
    'thumbnails an animated %s into animated %s, delays and loop kept',
    async (from, to) => {
      const image = await render(from === 'gif' ? gif : webp, thumbnail(80, 80), explicit(to));
      const frames = await framesOf(image.body);
      expect(frames).toMatchObject({ format: to, width: 80, height: 60, ...TIMING });
      expect([image.width, image.height]).toEqual([80, 60]);
      expectFrames(frames);
      expect(near(frames.colourAt(2, 0.95, 0.5), WHITE)).toBe(true);
    },
  );

  it('keeps an animated GIF a GIF as the fallback, and a WebP a WebP', async () => {
    const fromGif = await render(gif, thumbnail(80, 80), { kind: 'original' });
    expect(fromGif.format).toBe('gif');
    expectFrames(await framesOf(fromGif.body));
    const fromWebp = await render(webp, thumbnail(80, 80), { kind: 'original' });
    expect(fromWebp.format).toBe('webp');
    expectFrames(await framesOf(fromWebp.body));
  });

  it('answers a negotiated AVIF with animated WebP (libvips writes no animated AVIF)', async () => {
    const image = await render(gif, thumbnail(80, 80), { kind: 'preferred', format: 'avif' });
    expect(image.format).toBe('webp');
    const frames = await framesOf(image.body);
    expect(frames).toMatchObject({ format: 'webp', ...TIMING });
    expectFrames(frames);
  });

  it('answers an explicit .avif, .jpg or .png with the first frame, one frame high', async () => {
    for (const format of ['avif', 'jpg', 'png'] as const) {
      const image = await render(gif, thumbnail(80, 80), explicit(format));
      const frames = await framesOf(image.body);
      expect(frames, format).toMatchObject({ frames: 1, width: 80, height: 60 });
      expect(near(frames.colourAt(0, 0.2, 0.5), RED), format).toBe(true);
    }
  });

  it('crops every frame around the PPOI, the same window in each', async () => {
    // 160x120 to 60x60: scaled to 80x60, a 60-wide window; at x = 1 it is the right edge.
    const crop = spec({ sizer: 'crop', width: 60, height: 60 });
    const right = await framesOf(
      (await render(gif, crop, explicit('webp'), { x: 1, y: 0.5 })).body,
    );
    expect(right).toMatchObject({ frames: 3, width: 60, height: 60 });
    COLOURS.forEach((colour, i) => {
      expect(near(right.colourAt(i, 0.1, 0.5), colour), `frame ${i}`).toBe(true);
      expect(near(right.colourAt(i, 0.9, 0.5), WHITE), `frame ${i}`).toBe(true);
    });
    const left = await framesOf((await render(gif, crop, explicit('webp'), { x: 0, y: 0.5 })).body);
    COLOURS.forEach((colour, i) => {
      expect(near(left.colourAt(i, 0.9, 0.5), colour), `frame ${i}`).toBe(true);
    });
  });

  it('pads every frame with its own bars', async () => {
    const pad = spec({ sizer: 'pad', width: 80, height: 80 });
    const frames = await framesOf((await render(gif, pad, explicit('webp'))).body);
    expect(frames).toMatchObject({ frames: 3, width: 80, height: 80, ...TIMING });
    for (let i = 0; i < 3; i += 1) {
      // Transparent bars read back as black once alpha is removed.
      expect(near(frames.colourAt(i, 0.5, 0.02), { r: 0, g: 0, b: 0 }), `frame ${i}`).toBe(true);
      expect(near(frames.colourAt(i, 0.5, 0.98), { r: 0, g: 0, b: 0 }), `frame ${i}`).toBe(true);
    }
    expectFrames(frames);
  });

  it('blurs each frame on its own: no colour crosses into the next frame', async () => {
    const frames = await framesOf(
      (await render(gif, thumbnail(80, 80, ['blur', 'invert']), explicit('webp'))).body,
    );
    const inverted = COLOURS.map(({ r, g, b }) => ({ r: 255 - r, g: 255 - g, b: 255 - b }));
    expect(frames.frames).toBe(3);
    inverted.forEach((colour, i) => {
      // The first and last rows of each frame, where a strip-wide blur would mix frames.
      for (const fy of [0, 0.5, 0.99]) {
        expect(near(frames.colourAt(i, 0.2, fy), colour, 30), `frame ${i} at ${fy}`).toBe(true);
      }
    });
  });

  it('greys every frame', async () => {
    const frames = await framesOf(
      (await render(gif, thumbnail(80, 80, ['grayscale']), explicit('gif'))).body,
    );
    expect(frames.frames).toBe(3);
    for (let i = 0; i < 3; i += 1) {
      const { r, g, b } = frames.colourAt(i, 0.2, 0.5);
      expect(Math.max(r, g, b) - Math.min(r, g, b), `frame ${i}`).toBeLessThan(8);
    }
  });

  it('renders the first frame only with `still`, and its fallback is PNG', async () => {
    const image = await render(gif, thumbnail(80, 80, ['still']), { kind: 'original' });
    expect(image.format).toBe('png');
    const frames = await framesOf(image.body);
    expect(frames).toMatchObject({ format: 'png', frames: 1, width: 80, height: 60 });
    expect(near(frames.colourAt(0, 0.2, 0.5), RED)).toBe(true);
    const webpStill = await render(gif, thumbnail(80, 80, ['still']), explicit('webp'));
    expect(await framesOf(webpStill.body)).toMatchObject({ format: 'webp', frames: 1 });
    // A negotiated AVIF of a still is AVIF.
    const avif = await render(gif, thumbnail(80, 80, ['still']), {
      kind: 'preferred',
      format: 'avif',
    });
    expect(avif.format).toBe('avif');
  });

  it('renders a filters-only rendition of every frame at the original size', async () => {
    const frames = await framesOf(
      (await render(gif, spec(undefined, ['invert']), explicit('gif'))).body,
    );
    expect(frames).toMatchObject({ frames: 3, width: 160, height: 120, ...TIMING });
  });

  it('renders several renditions of an animation in one batch', async () => {
    const results = await renderer.renderMany(
      gif,
      [
        { spec: thumbnail(80, 80), choice: explicit('webp') },
        { spec: thumbnail(40, 40, ['still']), choice: explicit('png') },
      ],
      undefined,
    );
    const [animated, still] = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    expectFrames(await framesOf(animated?.body ?? Buffer.alloc(0)));
    expect(await framesOf(still?.body ?? Buffer.alloc(0))).toMatchObject({ frames: 1, width: 40 });
  });

  it("renders once for a batch's items whose output is the same (AVIF stand-in, WebP, fallback)", async () => {
    const animatedWebp = join(dir, 'batch.webp');
    await writeFile(animatedWebp, await animation(160, 120, COLOURS, 'webp', TIMING));
    const results = await renderer.renderMany(
      animatedWebp,
      [
        { spec: thumbnail(80, 80), choice: { kind: 'preferred', format: 'avif' } },
        { spec: thumbnail(80, 80), choice: { kind: 'preferred', format: 'webp' } },
        { spec: thumbnail(80, 80), choice: { kind: 'original' } },
        { spec: thumbnail(40, 40), choice: { kind: 'original' } },
      ],
      undefined,
    );
    const [avif, asWebp, fallback, smaller] = results.map((r) =>
      r.status === 'fulfilled' ? r.value : undefined,
    );
    expect(avif?.format).toBe('webp');
    // One pipeline run: the same bytes in memory answer all three items (each its own Buffer).
    expect(asWebp?.body).not.toBe(avif?.body);
    expect(asWebp?.body.buffer).toBe(avif?.body.buffer);
    expect(fallback?.body.buffer).toBe(avif?.body.buffer);
    expect(asWebp?.body.equals(avif?.body ?? Buffer.alloc(0))).toBe(true);
    expect(smaller?.body.buffer).not.toBe(avif?.body.buffer);
    expectFrames(await framesOf(asWebp?.body ?? Buffer.alloc(0)));
    expect(await framesOf(smaller?.body ?? Buffer.alloc(0))).toMatchObject({
      frames: 3,
      width: 40,
    });
  });
});

describe('MAX_ANIMATION_PIXELS', () => {
  // 3 frames of 160x120 = 57 600 pixels.
  const capped = loadConfig({ MAX_ANIMATION_PIXELS: '57599' });
  const small = createRenderer({ render: capped.render, encoder: capped.encoder });

  it('refuses to render every frame past the cap, naming the setting and the way out', async () => {
    const error = await small.render(gif, thumbnail(80, 80), explicit('webp'), undefined).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ANIMATION_TOO_LARGE' });
    expect(String((error as Error).message)).toMatch(
      /at most 57599 pixels .* but it has 57600 \(3 frames of 160x120\); raise MAX_ANIMATION_PIXELS, or .* filters\/still/,
    );
  });

  it('still renders its first frame, and any one-frame format', async () => {
    const still = await small.render(
      gif,
      thumbnail(80, 80, ['still']),
      explicit('webp'),
      undefined,
    );
    expect((await framesOf(still.body)).frames).toBe(1);
    const jpeg = await small.render(gif, thumbnail(80, 80), explicit('jpg'), undefined);
    expect((await framesOf(jpeg.body)).frames).toBe(1);
  });

  it('counts at exactly the cap as allowed', async () => {
    const exact = loadConfig({ MAX_ANIMATION_PIXELS: '57600' });
    const r = createRenderer({ render: exact.render, encoder: exact.encoder });
    const image = await r.render(gif, thumbnail(80, 80), explicit('webp'), undefined);
    expect((await framesOf(image.body)).frames).toBe(3);
  });
});
