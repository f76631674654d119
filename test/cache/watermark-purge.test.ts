import { describe, expect, it } from 'vitest';
import { cacheFileFor } from '../../src/cache/layout.js';
import { isWatermarkedFile } from '../../src/cache/watermark-purge.js';
import { GOLDEN_URLS } from '../url/golden-urls.js';

describe('isWatermarkedFile', () => {
  it.each([
    ['x.jpg/filters/watermark.avif', true],
    ['x.jpg/filters/watermark.fallback.jpg', true],
    ['x.jpg/filters/grayscale/watermark/crop/100x50.webp', true],
    ['a/b.png/filters/still/blur/watermark/thumbnail/180x180.gif', true],
    ['x.jpg/filters/grayscale/crop/100x50.webp', false],
    ['x.jpg/thumbnail/180x180.avif', false],
    ['watermark.png/thumbnail/180x180.avif', false],
  ])('%s: %s', (file, expected) => {
    expect(isWatermarkedFile(file)).toBe(expected);
  });

  it('agrees with the golden table', () => {
    for (const { spec } of GOLDEN_URLS) {
      const file = cacheFileFor(spec, { kind: 'explicit', format: 'webp' }, 'webp');
      expect(isWatermarkedFile(file), file).toBe(spec.filters.includes('watermark'));
    }
  });
});
