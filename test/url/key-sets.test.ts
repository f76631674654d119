// Key-set entries as configured: plain `sizer__WxH` strings (unchanged) and the object form
// with density or width variants, their sizes, and what the sizes policy allows from them.

import { describe, expect, it } from 'vitest';
import {
  formatKeySetValue,
  type KeySets,
  parseKeySetValue,
  sizesOfKeySets,
  specOfEntry,
  variantSizesOf,
} from '../../src/url/key-sets.js';
import { checkSizeAllowed, needsSignature, type SizesPolicy } from '../../src/url/sizes-policy.js';

const LIMITS = { maxWidth: 2048, maxHeight: 2048 };
const sizesOf = (value: unknown) =>
  variantSizesOf(parseKeySetValue(value, LIMITS)).map((v) => [
    `${v.resize.sizer}/${v.resize.width}x${v.resize.height}`,
    v.value,
  ]);

describe('key-set entries', () => {
  it('keeps plain entries as they were: one size, descriptor 1x', () => {
    expect(parseKeySetValue('crop__320x320', LIMITS)).toEqual({
      sizer: 'crop',
      width: 320,
      height: 320,
    });
    expect(sizesOf('thumbnail__180x0')).toEqual([['thumbnail/180x0', 1]]);
  });

  it.each([
    [
      { size: 'thumbnail__180x180', densities: [2] },
      [
        ['thumbnail/180x180', 1],
        ['thumbnail/360x360', 2],
      ],
    ],
    [
      { size: 'crop__100x50', densities: [3, 1.5, 1, 2] },
      [
        ['crop/100x50', 1],
        ['crop/150x75', 1.5],
        ['crop/200x100', 2],
        ['crop/300x150', 3],
      ],
    ],
    [
      { size: 'thumbnail__0x120', densities: [2] },
      [
        ['thumbnail/0x120', 1],
        ['thumbnail/0x240', 2],
      ],
    ],
    [
      { size: 'crop__640x360', widths: [1280, 320] },
      [
        ['crop/320x180', 320],
        ['crop/640x360', 640],
        ['crop/1280x720', 1280],
      ],
    ],
    [
      { size: 'thumbnail__300x0', widths: [600] },
      [
        ['thumbnail/300x0', 300],
        ['thumbnail/600x0', 600],
      ],
    ],
  ])('expands %j into sorted variants with the entry itself', (value, expected) => {
    expect(sizesOf(value)).toEqual(expected);
  });

  it('gives width variants a default sizes value, or the configured one', () => {
    const plain = parseKeySetValue({ size: 'crop__640x360', widths: [320] }, LIMITS);
    expect(plain.variants).toEqual({
      kind: 'width',
      widths: [320, 640],
      sizes: '(max-width: 640px) 100vw, 640px',
    });
    const custom = parseKeySetValue(
      { size: 'crop__640x360', widths: [320], sizes: '(min-width: 60em) 50vw, 100vw' },
      LIMITS,
    );
    expect(custom.variants).toMatchObject({ sizes: '(min-width: 60em) 50vw, 100vw' });
  });

  it.each([
    [{ size: 'crop__10x10', densities: [2], widths: [20] }, /not both/],
    [{ size: 'crop__10x10', densities: [0.5] }, /densities/],
    [{ size: 'crop__10x10', densities: [5] }, /densities/],
    [{ size: 'crop__10x10', densities: [1.333] }, /densities/],
    [{ size: 'crop__10x10', densities: [] }, /densities/],
    [{ size: 'crop__10x10', widths: [10.5] }, /widths/],
    [{ size: 'thumbnail__0x100', widths: [200] }, /a width in "size"/],
    [{ size: 'crop__10x10', densities: [2], sizes: '100vw' }, /"sizes" only with "widths"/],
    [{ size: 'crop__10x10', widths: [20], sizes: '100vw" onload="x' }, /sizes/],
    [{ size: 'crop__10x10', density: [2] }, /only the keys/],
    [{ densities: [2] }, /"size"/],
    [{ size: 'resize__10x10' }, /sizer/],
    [42, /"<sizer>__<W>x<H>"/],
    [
      { size: 'thumbnail__1200x800', densities: [2] },
      /MAX_WIDTH x MAX_HEIGHT \(2048x2048\) but received "2400x1600"/,
    ],
    [{ size: 'crop__1000x1000', widths: [3000] }, /MAX_WIDTH/],
  ])('refuses %j with a message naming the rule', (value, message) => {
    expect(() => parseKeySetValue(value, LIMITS)).toThrow(message);
  });

  it('formats entries back into the config form', () => {
    for (const value of [
      'crop__320x320',
      { size: 'thumbnail__180x180', densities: [1, 2] },
      { size: 'crop__640x360', widths: [320, 640], sizes: '100vw' },
    ]) {
      expect(formatKeySetValue(parseKeySetValue(value, LIMITS))).toEqual(value);
    }
  });
});

describe('key-set entries with filters and formats', () => {
  it.each([
    [
      'filters__invert__crop__400x400',
      { sizer: 'crop', width: 400, height: 400, filters: ['invert'] },
    ],
    [
      'filters__blur__grayscale__thumbnail__180x0',
      { sizer: 'thumbnail', width: 180, height: 0, filters: ['blur', 'grayscale'] },
    ],
    ['thumbnail__180x180.webp', { sizer: 'thumbnail', width: 180, height: 180, format: 'webp' }],
    [
      'filters__grayscale__pad__320x320.png',
      { sizer: 'pad', width: 320, height: 320, filters: ['grayscale'], format: 'png' },
    ],
  ])('parses %s, and formats it back', (text, parsed) => {
    expect(parseKeySetValue(text, LIMITS)).toEqual(parsed);
    expect(formatKeySetValue(parseKeySetValue(text, LIMITS))).toBe(text);
  });

  it('keeps filters and the format on every variant', () => {
    const entry = parseKeySetValue(
      { size: 'filters__invert__crop__100x100.webp', densities: [2] },
      LIMITS,
    );
    expect(formatKeySetValue(entry)).toEqual({
      size: 'filters__invert__crop__100x100.webp',
      densities: [1, 2],
    });
    expect(specOfEntry('a.jpg', entry, variantSizesOf(entry)[1]?.resize)).toEqual({
      path: 'a.jpg',
      filters: ['invert'],
      resize: { sizer: 'crop', width: 200, height: 200 },
      format: 'webp',
    });
  });

  it.each([
    'filters__crop__400x400',
    'filters__sepia__crop__400x400',
    'filters__grayscale__invert__crop__400x400',
    'filters__invert__invert__crop__400x400',
    'invert__crop__400x400',
    'filters__invert__crop__400x400__x',
    'crop__400x400.tiff',
    'crop__400x400.',
    'filters__invert',
  ])('refuses %s, naming the grammar', (text) => {
    expect(() => parseKeySetValue(text, LIMITS)).toThrow(
      /Expected "\[filters__<filter>__…\]<sizer>__<W>x<H>\[\.<format>\]" .* but received/,
    );
  });
});

describe('sizes policy with variants', () => {
  const keySets: KeySets = {
    image: {
      small: parseKeySetValue({ size: 'thumbnail__180x180', densities: [2] }, LIMITS),
      hero: parseKeySetValue({ size: 'crop__640x360', widths: [320] }, LIMITS),
    },
  };
  const policy: SizesPolicy = {
    allowed: sizesOfKeySets(keySets),
    arbitrary: false,
    maxWidth: 2048,
    maxHeight: 2048,
  };

  it('allows every variant size automatically', () => {
    expect([...policy.allowed].sort()).toEqual(['180x180', '320x180', '360x360', '640x360']);
    expect(() =>
      checkSizeAllowed({ sizer: 'thumbnail', width: 360, height: 360 }, policy),
    ).not.toThrow();
    expect(() =>
      checkSizeAllowed({ sizer: 'crop', width: 320, height: 180 }, policy),
    ).not.toThrow();
  });

  it('lets a signed request have any size within the bounds, never beyond', () => {
    const odd = { sizer: 'crop' as const, width: 500, height: 300 };
    expect(needsSignature(odd, policy)).toBe(true);
    expect(() => checkSizeAllowed(odd, policy)).toThrow(
      'Expected a size of a key set or ALLOWED_SIZES (or ARBITRARY_SIZES=true) but received',
    );
    expect(() => checkSizeAllowed(odd, policy, true)).not.toThrow();
    const huge = { sizer: 'crop' as const, width: 4000, height: 300 };
    expect(needsSignature(huge, policy)).toBe(false);
    expect(() => checkSizeAllowed(huge, policy, true)).toThrow(/within 2048x2048/);
    expect(needsSignature({ sizer: 'crop', width: 360, height: 360 }, policy)).toBe(false);
    expect(needsSignature(odd, { ...policy, arbitrary: true })).toBe(false);
  });
});
