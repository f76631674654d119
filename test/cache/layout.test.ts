import { describe, expect, it } from 'vitest';
import { cacheCandidatesFor, cacheFileFor, TEMP_DIR_NAME } from '../../src/cache/layout.js';
import { checkMediaPath } from '../../src/url/media-path.js';
import { parseMediaTarget } from '../../src/url/rendition-url.js';
import { AVIF_CLIENT, GOLDEN_URLS, PLAIN_CLIENT } from '../url/golden-urls.js';

describe('cache layout', () => {
  it.each(GOLDEN_URLS)('maps $path', ({ spec, avifClient, plainClient }) => {
    const avif =
      spec.format === undefined ? AVIF_CLIENT : { kind: 'explicit' as const, format: spec.format };
    const plain = spec.format === undefined ? PLAIN_CLIENT : avif;
    expect(cacheCandidatesFor(spec, avif)).toEqual([avifClient]);
    expect(cacheCandidatesFor(spec, plain)).toEqual(plainClient);
  });

  it('stores a fallback under the format the original decided', () => {
    const spec = {
      path: 'a.png',
      filters: [],
      resize: { sizer: 'thumbnail' as const, width: 1, height: 1 },
    };
    expect(cacheFileFor(spec, PLAIN_CLIENT, 'png')).toBe('a.png/thumbnail/1x1.fallback.png');
  });

  it('puts every rendition of an original under a directory named after its path', () => {
    for (const { spec, avifClient } of GOLDEN_URLS)
      expect(avifClient.startsWith(`${spec.path}/`)).toBe(true);
  });

  it('keeps temp files where no URL can reach', () => {
    expect(() => checkMediaPath(TEMP_DIR_NAME)).toThrow();
    expect(() => parseMediaTarget(`${TEMP_DIR_NAME}/x/thumbnail/1x1.jpg`)).toThrow();
  });
});
