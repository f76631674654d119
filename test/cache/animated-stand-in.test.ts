// Which file stands in for a negotiated AVIF of an animated original, and how it is told apart.

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  isAnimatedWebp,
  standInFor,
  WEBP_HEADER_BYTES,
} from '../../src/cache/animated-stand-in.js';
import { animation, BLUE, RED, webpImage } from '../helpers/images.js';

describe('standInFor', () => {
  it.each([
    [
      { kind: 'preferred', format: 'avif' },
      { kind: 'preferred', format: 'webp' },
    ],
    [{ kind: 'preferred', format: 'webp' }, undefined],
    [{ kind: 'explicit', format: 'avif' }, undefined],
    [{ kind: 'original' }, undefined],
  ] as const)('%j -> %j', (choice, expected) => {
    expect(standInFor(choice)).toEqual(expected);
  });
});

describe('isAnimatedWebp', () => {
  it('tells an animated WebP from a still one, an extended still and other formats', async () => {
    const animated = await animation(16, 16, [RED, BLUE], 'webp');
    expect(isAnimatedWebp(animated.subarray(0, WEBP_HEADER_BYTES))).toBe(true);
    expect(isAnimatedWebp(await webpImage(16, 16))).toBe(false);
    // An extended (VP8X) header without the animation flag: a still with alpha.
    const alpha = await sharp({ create: { width: 8, height: 8, channels: 4, background: '#f008' } })
      .webp()
      .toBuffer();
    expect(alpha.subarray(12, 16).toString()).toBe('VP8X');
    expect(isAnimatedWebp(alpha)).toBe(false);
    expect(isAnimatedWebp(await animation(16, 16, [RED, BLUE], 'gif'))).toBe(false);
    expect(isAnimatedWebp(animated.subarray(0, WEBP_HEADER_BYTES - 1))).toBe(false);
  });
});
