// The pad sizer on real sharp: fit inside WxH, bars to exactly WxH, in PAD_BACKGROUND.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createRenderer } from '../../src/render/renderer.js';
import { configureSharp } from '../../src/render/sharp-setup.js';
import type { FormatChoice } from '../../src/url/negotiate.js';
import { CENTRE, type OutputFormat, type RenditionSpec } from '../../src/url/rendition-spec.js';
import {
  alphaAt,
  BLUE,
  colourAt,
  inspect,
  jpegImage,
  near,
  RED,
  WHITE,
} from '../helpers/images.js';

let dir: string;
let photo: string;

beforeAll(async () => {
  configureSharp(loadConfig({}).render.inputFormats);
  dir = await mkdtemp(join(tmpdir(), 'rendition-pad-'));
  photo = join(dir, 'photo.jpg');
  // 800x400: a 200x200 pad fits it at 200x100 with 50-pixel bars above and below.
  await writeFile(photo, await jpegImage(800, 400));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rendererWith = (env: Record<string, string> = {}) => {
  const config = loadConfig(env);
  return createRenderer({ render: config.render, encoder: config.encoder });
};
const padSpec = (filters: RenditionSpec['filters'] = []): RenditionSpec => ({
  path: 'photo.jpg',
  filters,
  resize: { sizer: 'pad', width: 200, height: 200 },
});
const explicit = (format: OutputFormat): FormatChoice => ({ kind: 'explicit', format });

describe('pad sizer', () => {
  it('fits inside WxH and adds transparent bars in a format with alpha', async () => {
    for (const format of ['png', 'webp', 'avif'] as const) {
      const image = await rendererWith().render(photo, padSpec(), explicit(format), CENTRE);
      expect(await inspect(image.body)).toMatchObject({ width: 200, height: 200, hasAlpha: true });
      expect(await alphaAt(image.body, 0.5, 0.1), format).toBe(0);
      expect(await alphaAt(image.body, 0.5, 0.9), format).toBe(0);
      expect(await alphaAt(image.body, 0.5, 0.5), format).toBe(255);
      expect(near(await colourAt(image.body, 0.3, 0.5), RED), format).toBe(true);
      expect(near(await colourAt(image.body, 0.7, 0.5), BLUE), format).toBe(true);
    }
  });

  it('adds white bars in JPEG', async () => {
    const image = await rendererWith().render(photo, padSpec(), explicit('jpg'), CENTRE);
    expect(await inspect(image.body)).toMatchObject({ width: 200, height: 200, hasAlpha: false });
    expect(near(await colourAt(image.body, 0.5, 0.1), WHITE, 8)).toBe(true);
    expect(near(await colourAt(image.body, 0.3, 0.5), RED)).toBe(true);
  });

  it('uses PAD_BACKGROUND in every format', async () => {
    const renderer = rendererWith({ PAD_BACKGROUND: '#000' });
    for (const format of ['jpg', 'png', 'webp'] as const) {
      const image = await renderer.render(photo, padSpec(), explicit(format), CENTRE);
      expect(await alphaAt(image.body, 0.5, 0.05), format).toBe(255);
      expect(near(await colourAt(image.body, 0.5, 0.05), { r: 0, g: 0, b: 0 }, 8), format).toBe(
        true,
      );
    }
  });

  it('keeps the filters off the bars', async () => {
    const image = await rendererWith().render(
      photo,
      padSpec(['blur', 'invert']),
      explicit('jpg'),
      CENTRE,
    );
    // The bars stay white (not inverted to black, not blurred into the picture)...
    expect(near(await colourAt(image.body, 0.5, 0.02), WHITE, 8)).toBe(true);
    expect(near(await colourAt(image.body, 0.5, 0.24), WHITE, 8)).toBe(true);
    // ...while the picture is inverted.
    const inverted = { r: 255 - RED.r, g: 255 - RED.g, b: 255 - RED.b };
    expect(near(await colourAt(image.body, 0.3, 0.5), inverted)).toBe(true);
  });

  it('pads a small image without enlarging it unless UPSCALE is on', async () => {
    const spec: RenditionSpec = {
      ...padSpec(),
      resize: { sizer: 'pad', width: 1600, height: 1600 },
    };
    const kept = await rendererWith().render(photo, spec, explicit('png'), CENTRE);
    expect(await inspect(kept.body)).toMatchObject({ width: 1600, height: 1600 });
    // 800x400 centred: transparent at 20 % across, the picture at 30 %.
    expect(await alphaAt(kept.body, 0.2, 0.5)).toBe(0);
    expect(await alphaAt(kept.body, 0.3, 0.5)).toBe(255);
    const enlarged = await rendererWith({ UPSCALE: 'true' }).render(
      photo,
      spec,
      explicit('png'),
      CENTRE,
    );
    expect(await alphaAt(enlarged.body, 0.2, 0.5)).toBe(255);
    expect(await alphaAt(enlarged.body, 0.5, 0.2)).toBe(0);
  });

  it('renders the same in a batch from one decode', async () => {
    const renderer = rendererWith();
    const [result] = await renderer.renderMany(
      photo,
      [{ spec: padSpec(), choice: explicit('png') }],
      CENTRE,
    );
    if (result?.status !== 'fulfilled') throw new Error('batch item failed');
    expect(await inspect(result.value.body)).toMatchObject({ width: 200, height: 200 });
    expect(await alphaAt(result.value.body, 0.5, 0.1)).toBe(0);
  });
});
