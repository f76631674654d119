// The pool fetched originals land in: buffers of power-of-two sizes, used again once given
// back, within a budget; a buffer given twice, or not made here, is never handed out again.

import { describe, expect, it } from 'vitest';
import { capacityFor, createBufferPool, SMALLEST_KEPT } from '../../src/originals/buffer-pool.js';

const MiB = 1024 * 1024;

describe('buffer pool', () => {
  it('sizes buffers in powers of two from SMALLEST_KEPT', () => {
    expect(capacityFor(1)).toBe(SMALLEST_KEPT);
    expect(capacityFor(MiB)).toBe(MiB);
    expect(capacityFor(MiB + 1)).toBe(2 * MiB);
    expect(capacityFor(3 * MiB)).toBe(4 * MiB);
  });

  it('hands out exactly the size asked for, in a buffer given back before', () => {
    const pool = createBufferPool(16 * MiB);
    const first = pool.take(3 * MiB);
    expect(first.length).toBe(3 * MiB);
    expect(first.buffer.byteLength).toBe(4 * MiB);
    pool.give(first, 0);
    expect(pool.free).toBe(4 * MiB);
    const second = pool.take(2.5 * MiB);
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBe(2.5 * MiB);
    expect(pool.free).toBe(0);
    // Another size class gets a buffer of its own.
    expect(pool.take(MiB).buffer).not.toBe(first.buffer);
  });

  it('never keeps small buffers, foreign ones, or one given twice', () => {
    const pool = createBufferPool(16 * MiB);
    const small = pool.take(1000);
    pool.give(small, 0);
    pool.give(Buffer.alloc(2 * MiB), 0);
    expect(pool.free).toBe(0);
    const once = pool.take(2 * MiB);
    pool.give(once, 0);
    pool.give(once, 0);
    expect(pool.free).toBe(2 * MiB);
    expect(pool.take(2 * MiB).buffer).toBe(once.buffer);
    expect(pool.take(2 * MiB).buffer).not.toBe(once.buffer);
  });

  it('keeps free buffers only while they and the bytes in use fit the budget', () => {
    const pool = createBufferPool(8 * MiB);
    const a = pool.take(4 * MiB);
    const b = pool.take(4 * MiB);
    pool.give(a, 4 * MiB);
    expect(pool.free).toBe(4 * MiB);
    // b's 4 MiB are still in use elsewhere (say, 1 MiB of another fetch): no room.
    pool.give(b, MiB);
    expect(pool.free).toBe(4 * MiB);
    expect(pool.take(4 * MiB).buffer).toBe(a.buffer);
  });
});
