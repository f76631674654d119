// The dominant colour of RGBA pixels: the fullest 16-level bin, transparent pixels aside.

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { dominantColourOf } from '../../src/render/dominant-colour.js';

function pixels(...runs: [count: number, rgba: [number, number, number, number]][]): Uint8Array {
  return Uint8Array.from(
    runs.flatMap(([count, rgba]) => Array.from({ length: count }, () => rgba).flat()),
  );
}

describe('dominantColourOf', () => {
  it('answers the centre of the fullest bin', () => {
    expect(dominantColourOf(pixels([3, [250, 0, 0, 255]], [2, [0, 0, 250, 255]]))).toBe('#f80808');
    expect(dominantColourOf(pixels([1, [250, 0, 0, 255]], [2, [0, 0, 250, 255]]))).toBe('#0808f8');
    // Different shades inside one bin count together.
    expect(
      dominantColourOf(
        pixels([2, [33, 66, 99, 255]], [2, [40, 70, 100, 255]], [3, [200, 200, 200, 255]]),
      ),
    ).toBe('#284868');
  });

  it('leaves fully transparent pixels out, unless there is nothing else', () => {
    expect(dominantColourOf(pixels([9, [0, 0, 0, 0]], [1, [0, 255, 0, 255]]))).toBe('#08f808');
    expect(dominantColourOf(pixels([4, [255, 255, 255, 0]]))).toBe('#f8f8f8');
  });

  it('agrees with sharp stats().dominant on a real image', async () => {
    const image = sharp({ create: { width: 60, height: 40, channels: 4, background: '#3366cc' } })
      .composite([
        {
          input: { create: { width: 20, height: 40, channels: 4, background: '#ffcc00' } },
          left: 0,
          top: 0,
        },
      ])
      .png();
    const png = await image.toBuffer();
    const { dominant } = await sharp(png).stats();
    const raw = await sharp(png).ensureAlpha().raw().toBuffer();
    const hex = (c: number) => c.toString(16).padStart(2, '0');
    expect(dominantColourOf(raw)).toBe(`#${hex(dominant.r)}${hex(dominant.g)}${hex(dominant.b)}`);
  });
});
