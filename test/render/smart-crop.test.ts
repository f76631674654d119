// Smart crop: with no PPOI, `crop` follows CROP_STRATEGY. An off-centre subject is kept by
// attention (and entropy) and cut off by centre; a PPOI always wins. Decoded pixels, real sharp.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createRenderer } from '../../src/render/renderer.js';
import type { FormatChoice } from '../../src/url/negotiate.js';
import type { CropStrategy, RenditionSpec } from '../../src/url/rendition-spec.js';
import { countNear, inspect, offCentreSubject, SKIN } from '../helpers/images.js';

const png: FormatChoice = { kind: 'explicit', format: 'png' };
const crop: RenditionSpec = {
  path: 'subject.jpg',
  filters: [],
  resize: { sizer: 'crop', width: 200, height: 200 },
};
let dir: string;
let file: string;

function rendererWith(strategy: CropStrategy) {
  const config = loadConfig({ CROP_STRATEGY: strategy });
  return createRenderer({ render: config.render, encoder: config.encoder });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rendition-smart-crop-'));
  file = join(dir, 'subject.jpg');
  await writeFile(file, await offCentreSubject(800, 400));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('crop of an image without a PPOI', () => {
  it('defaults to attention', () => {
    expect(loadConfig({}).render.cropStrategy).toBe('attention');
  });

  it.each(['attention', 'entropy'] as const)('keeps the off-centre subject with %s', async (s) => {
    const image = await rendererWith(s).render(file, crop, png, undefined);
    expect(await inspect(image.body)).toMatchObject({ width: 200, height: 200 });
    // The disc has a radius of 40 px at this scale: most of its skin pixels are in.
    expect(await countNear(image.body, SKIN)).toBeGreaterThan(2000);
  });

  it('cuts the subject off with centre', async () => {
    const image = await rendererWith('centre').render(file, crop, png, undefined);
    expect(await inspect(image.body)).toMatchObject({ width: 200, height: 200 });
    expect(await countNear(image.body, SKIN)).toBe(0);
  });

  it('follows the strategy when several renditions share one decode', async () => {
    const [result] = await rendererWith('attention').renderMany(
      file,
      [{ spec: crop, choice: png }],
      undefined,
    );
    if (result?.status !== 'fulfilled') throw new Error('render failed');
    expect(await countNear(result.value.body, SKIN)).toBeGreaterThan(2000);
  });

  it('anchors on a PPOI whatever the strategy', async () => {
    const left = { x: 0, y: 0.5 };
    const image = await rendererWith('attention').render(file, crop, png, left);
    expect(await countNear(image.body, SKIN)).toBe(0);
  });
});
