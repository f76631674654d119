import { describe, expect, it } from 'vitest';
import type { Gravity } from '../../src/config/gravity.js';
import { placeWatermark } from '../../src/render/watermark-plan.js';

const MARK = { width: 40, height: 20 };
const OUT = { width: 400, height: 300 };

describe('placeWatermark', () => {
  it.each([
    // gravity, left, top: a 100x50 mark (scale 0.25 of 400), margin 10
    ['southeast', 290, 240],
    ['northwest', 10, 10],
    ['north', 150, 10],
    ['east', 290, 125],
    ['centre', 150, 125],
    ['southwest', 10, 240],
  ] as [Gravity, number, number][])('%s at %i,%i', (gravity, left, top) => {
    expect(placeWatermark(OUT, MARK, { gravity, margin: 10, scale: 0.25 })).toEqual({
      left,
      top,
      width: 100,
      height: 50,
    });
  });

  it('shrinks a mark that would not fit inside the margins, keeping its aspect', () => {
    // 1.0 x 100 = 100 wide, 50 high; room is 80x20: shrunk by 0.4 to 40x20.
    expect(
      placeWatermark({ width: 100, height: 40 }, MARK, {
        gravity: 'southeast',
        margin: 10,
        scale: 1,
      }),
    ).toEqual({ left: 50, top: 10, width: 40, height: 20 });
  });

  it('stays at least 1x1 and inside a tiny output', () => {
    const at = placeWatermark({ width: 3, height: 2 }, MARK, {
      gravity: 'southeast',
      margin: 50,
      scale: 0.01,
    });
    expect(at.width).toBeGreaterThanOrEqual(1);
    expect(at.left + at.width).toBeLessThanOrEqual(3);
    expect(at.top + at.height).toBeLessThanOrEqual(2);
    expect(Math.min(at.left, at.top)).toBeGreaterThanOrEqual(0);
  });
});
