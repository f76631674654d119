// The arithmetic of ranged downloads: the size a first range reveals, and the ranges after it
// that cover an object exactly once.

import { describe, expect, it } from 'vitest';
import { RANGE_BYTES, rangesAfterFirst, totalOf } from '../../src/originals/ranged-get.js';

describe('ranged GETs', () => {
  it('reads the size from Content-Range', () => {
    expect(totalOf('bytes 0-1048575/2977428')).toBe(2977428);
    expect(totalOf('bytes 0-99/100')).toBe(100);
    expect(totalOf(undefined)).toBeUndefined();
    expect(totalOf('bytes 0-99/*')).toBeUndefined();
  });

  it('covers every byte after the first range exactly once', () => {
    expect(rangesAfterFirst(RANGE_BYTES)).toEqual([]);
    expect(rangesAfterFirst(100)).toEqual([]);
    for (const total of [RANGE_BYTES + 1, 2977428, 3 * RANGE_BYTES, 10 * RANGE_BYTES + 7]) {
      const ranges = rangesAfterFirst(total);
      let expected = RANGE_BYTES;
      for (const { start, end } of ranges) {
        expect(start).toBe(expected);
        expect(end - start + 1).toBeLessThanOrEqual(RANGE_BYTES);
        expected = end + 1;
      }
      expect(expected).toBe(total);
    }
  });
});
