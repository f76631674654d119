// The arithmetic of ranged downloads: the size a first range reveals, and the ranges after it
// that cover an object exactly once.

import { describe, expect, it } from 'vitest';
import { RANGE_BYTES, rangesAfterFirst, totalOf } from '../../src/originals/ranged-get.js';

describe('ranged GETs', () => {
  it('reads the size from Content-Range', () => {
    expect(totalOf('bytes 0-8388607/9150000')).toBe(9150000);
    expect(totalOf('bytes 0-99/100')).toBe(100);
    expect(totalOf(undefined)).toBeUndefined();
    expect(totalOf('bytes 0-99/*')).toBeUndefined();
  });

  it('covers every byte after the first range exactly once', () => {
    expect(rangesAfterFirst(RANGE_BYTES)).toEqual([]);
    expect(rangesAfterFirst(100)).toEqual([]);
    expect(rangesAfterFirst(2977428)).toEqual([]);
    const cases = [
      ...[RANGE_BYTES + 1, 2.5 * RANGE_BYTES, 3 * RANGE_BYTES, 10 * RANGE_BYTES + 7].map(
        (total) => ({ total, size: RANGE_BYTES }),
      ),
      { total: 2977428, size: 1024 * 1024 },
      { total: 300 * 1024 + 7, size: 64 * 1024 },
    ];
    for (const { total, size } of cases) {
      let expected = size;
      for (const { start, end } of rangesAfterFirst(total, size)) {
        expect(start).toBe(expected);
        expect(end - start + 1).toBeLessThanOrEqual(size);
        expected = end + 1;
      }
      expect(expected).toBe(total);
    }
  });
});
