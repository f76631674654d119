import { describe, expect, it } from 'vitest';
import { DECIDED_BY, shapeOfCacheFile } from '../../src/cache/geometry-purge.js';
import { cacheFileFor } from '../../src/cache/layout.js';
import { GOLDEN_URLS } from '../url/golden-urls.js';

const decidedBy = (file: string) => {
  const shape = shapeOfCacheFile(file);
  if (shape === undefined) return undefined;
  return Object.entries(DECIDED_BY)
    .filter(([, decides]) => decides(shape))
    .map(([setting]) => setting);
};

describe('which cached renditions a geometry setting decides', () => {
  it.each([
    ['x.jpg/thumbnail/180x180.avif', ['upscale', 'thumbnailRounding']],
    ['x.jpg/thumbnail/180x180.fallback.jpg', ['upscale', 'thumbnailRounding']],
    ['a/b.png/crop/320x320.webp', ['upscale', 'cropUpscale']],
    ['a/b.png/crop/0x320.webp', ['upscale', 'thumbnailRounding']],
    ['x.jpg/filters/invert/pad/200x100.png', ['upscale', 'thumbnailRounding', 'padBackground']],
    ['x.jpg/pad/200x0.png', ['upscale', 'thumbnailRounding']],
    ['x.jpg/filters/grayscale.fallback.jpg', ['thumbnailRounding']],
    ['x.jpg/filters/still/watermark.webp', ['thumbnailRounding']],
  ])('%s: %j', (file, settings) => {
    expect(decidedBy(file)).toEqual(settings);
  });

  it.each(['x.jpg', 'photos/crop/big.jpg', 'x.jpg/thumbnail/0x0.png', 'x.jpg/thumbnail/180x180'])(
    '%s is no rendition: never purged',
    (file) => {
      expect(shapeOfCacheFile(file)).toBeUndefined();
    },
  );

  it('reads back the shape of every golden URL from its cache files', () => {
    for (const { spec, avifClient, plainClient } of GOLDEN_URLS) {
      const expected =
        spec.resize === undefined ? { kind: 'filters' } : { kind: 'sized', resize: spec.resize };
      const files = [
        cacheFileFor(spec, { kind: 'explicit', format: 'webp' }, 'webp'),
        avifClient,
        ...plainClient,
      ];
      for (const file of files) expect(shapeOfCacheFile(file), file).toEqual(expected);
    }
  });
});
