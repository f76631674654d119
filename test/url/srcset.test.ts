// srcset strings for key-set entries: nominal descriptors without the original's size, exact
// ones with it (no-upscale candidates described by their real size, duplicates left out).

import { describe, expect, it } from 'vitest';
import { outputSizeFor } from '../../src/render/plan.js';
import { parseKeySetValue } from '../../src/url/key-sets.js';
import type { Resize } from '../../src/url/rendition-spec.js';
import { srcsetFor } from '../../src/url/srcset.js';

const LIMITS = { maxWidth: 4096, maxHeight: 4096 };
const entry = (value: unknown) => parseKeySetValue(value, LIMITS);
const original = (width: number, height: number, upscale = false) => ({
  outputSizeOf: (resize: Resize) => outputSizeFor({ width, height }, resize, { upscale }),
});

describe('srcsetFor', () => {
  it('gives a plain entry one 1x candidate', () => {
    expect(srcsetFor('/media', 'cat.jpg', entry('crop__100x100'))).toEqual({
      src: '/media/cat.jpg/crop/100x100',
      srcset: '/media/cat.jpg/crop/100x100 1x',
    });
  });

  it('writes nominal density and width descriptors, with the version query on every URL', () => {
    const dense = srcsetFor(
      '/img',
      'a b.jpg',
      entry({ size: 'thumbnail__180x180', densities: [2] }),
      {
        query: '?v=abc',
      },
    );
    expect(dense).toEqual({
      src: '/img/a%20b.jpg/thumbnail/180x180?v=abc',
      srcset:
        '/img/a%20b.jpg/thumbnail/180x180?v=abc 1x, /img/a%20b.jpg/thumbnail/360x360?v=abc 2x',
    });
    const wide = srcsetFor(
      '/media',
      'cat.jpg',
      entry({ size: 'crop__640x360', widths: [320, 1280] }),
    );
    expect(wide).toEqual({
      src: '/media/cat.jpg/crop/640x360',
      srcset:
        '/media/cat.jpg/crop/320x180 320w, /media/cat.jpg/crop/640x360 640w, /media/cat.jpg/crop/1280x720 1280w',
      sizes: '(max-width: 640px) 100vw, 640px',
    });
  });

  it('keeps the nominal descriptors when the original is large enough, and gives width and height', () => {
    const result = srcsetFor(
      '/media',
      'cat.jpg',
      entry({ size: 'thumbnail__180x180', densities: [2, 3] }),
      original(2000, 1000),
    );
    expect(result).toEqual({
      src: '/media/cat.jpg/thumbnail/180x180',
      srcset:
        '/media/cat.jpg/thumbnail/180x180 1x, /media/cat.jpg/thumbnail/360x360 2x, /media/cat.jpg/thumbnail/540x540 3x',
      width: 180,
      height: 90,
    });
  });

  it('describes a density the original cannot fill by its real one, and drops duplicates', () => {
    // 250 px wide: 2x (360) comes out at 250 px = 1.39x; 3x is the same 250 px file again.
    const result = srcsetFor(
      '/media',
      'cat.jpg',
      entry({ size: 'thumbnail__180x180', densities: [2, 3] }),
      original(250, 250),
    );
    expect(result.srcset).toBe(
      '/media/cat.jpg/thumbnail/180x180 1x, /media/cat.jpg/thumbnail/360x360 1.39x',
    );
  });

  it('leaves only 1x when the original is smaller than the entry itself', () => {
    const result = srcsetFor(
      '/media',
      'cat.jpg',
      entry({ size: 'crop__320x320', densities: [2] }),
      original(200, 300),
    );
    expect(result).toMatchObject({
      srcset: '/media/cat.jpg/crop/320x320 1x',
      width: 200,
      height: 200,
    });
  });

  it('describes width candidates by the width they really have (a portrait in a square box)', () => {
    const result = srcsetFor(
      '/media',
      'p.jpg',
      entry({ size: 'thumbnail__180x180', widths: [360, 720] }),
      original(400, 1000),
    );
    // 180 box -> 72x180, 360 -> 144x360, 720 -> 288x720 (inside 400x1000, no upscale needed).
    expect(result.srcset).toBe(
      '/media/p.jpg/thumbnail/180x180 72w, /media/p.jpg/thumbnail/360x360 144w, /media/p.jpg/thumbnail/720x720 288w',
    );
    const small = srcsetFor(
      '/media',
      'p.jpg',
      entry({ size: 'crop__300x0', widths: [600, 1200] }),
      original(500, 500),
    );
    expect(small.srcset).toBe('/media/p.jpg/crop/300x0 300w, /media/p.jpg/crop/600x0 500w');
  });

  it('keeps every candidate at its nominal size with UPSCALE on', () => {
    const result = srcsetFor(
      '/media',
      'cat.jpg',
      entry({ size: 'crop__320x320', densities: [2] }),
      original(200, 300, true),
    );
    expect(result.srcset).toBe('/media/cat.jpg/crop/320x320 1x, /media/cat.jpg/crop/640x640 2x');
  });
});
