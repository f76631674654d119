// The version a shared rendition carries: equal on every node for the same original, PPOI
// and pixel settings, and different as soon as any of them differs.

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { type PixelSettings, pixelStamp, sharedVersionOf } from '../../src/cache/shared-version.js';

function settingsOf(env: Record<string, string>, watermark = 'none'): PixelSettings {
  const config = loadConfig(env);
  return { ...config.render, encoder: config.encoder, watermark };
}

describe('shared rendition versions', () => {
  it('is the same for the same inputs, whatever else the nodes differ in', () => {
    const stamp = pixelStamp(settingsOf({}));
    // Concurrency, queue and timeouts change nothing a rendition looks like.
    expect(pixelStamp(settingsOf({ RENDER_CONCURRENCY: '7', RENDER_TIMEOUT_MS: '9000' }))).toBe(
      stamp,
    );
    expect(sharedVersionOf('etag-1', { x: 0.2, y: 0.8 }, stamp)).toBe(
      sharedVersionOf('etag-1', { x: 0.2, y: 0.8 }, stamp),
    );
    expect(sharedVersionOf('etag-1', undefined, stamp)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('changes with the original, the PPOI and every pixel setting', () => {
    const stamp = pixelStamp(settingsOf({}));
    const base = sharedVersionOf('etag-1', undefined, stamp);
    const versions = [
      sharedVersionOf('etag-2', undefined, stamp),
      sharedVersionOf('etag-1', { x: 0.5, y: 0.5 }, stamp),
      sharedVersionOf('etag-1', { x: 0.5, y: 0.6 }, stamp),
      ...(
        [
          { UPSCALE: 'true' },
          { CROP_UPSCALE: 'true' },
          { THUMBNAIL_ROUNDING: 'pillow' },
          { CROP_STRATEGY: 'centre' },
          { PAD_BACKGROUND: '#000000' },
          { JPEG_QUALITY: '50' },
          { AVIF_EFFORT: '2' },
        ] as Record<string, string>[]
      ).map((env) => sharedVersionOf('etag-1', undefined, pixelStamp(settingsOf(env)))),
      sharedVersionOf('etag-1', undefined, pixelStamp(settingsOf({}, 'watermark-sha'))),
    ];
    expect(new Set([base, ...versions]).size).toBe(versions.length + 1);
  });
});
