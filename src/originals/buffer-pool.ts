// The buffers fetched originals land in, used again. A fresh 3 MB buffer per fetch lives
// through the whole render, so V8 promotes it and only a full mark-compact can free it: the
// S3 node ran one every two or three fetches, 15-20 ms of its main thread each, and B12's
// fetched misses took 1.57x the local ones instead of 1.22x (docs/performance.md, B12).
// A buffer given back is kept while the bytes kept stay within the budget; buffers come in
// power-of-two sizes so that originals of different sizes share them.

/** The smallest buffer kept: smaller originals get buffers of their own, never kept. */
export const SMALLEST_KEPT = 1024 * 1024;

export interface BufferPool {
  /** `size` bytes, in a buffer kept from before when one is large enough. */
  take(size: number): Buffer;
  /**
   * `buffer` (from `take`) is read by nothing any more: kept for a later `take` while the
   * free buffers and `inUse` bytes together stay within the budget.
   */
  give(buffer: Buffer, inUse: number): void;
  /** Bytes in free buffers now. */
  readonly free: number;
}

/** The power of two at least `size` (and at least {@link SMALLEST_KEPT}). */
export function capacityFor(size: number): number {
  let capacity = SMALLEST_KEPT;
  while (capacity < size) capacity *= 2;
  return capacity;
}

export function createBufferPool(budgetBytes: number): BufferPool {
  // Free buffers by capacity; only buffers made here are ever kept.
  const shelves = new Map<number, ArrayBuffer[]>();
  const made = new WeakSet<ArrayBuffer>();
  const shelved = new WeakSet<ArrayBuffer>();
  let free = 0;

  return {
    take(size) {
      if (size < SMALLEST_KEPT) return Buffer.allocUnsafe(size);
      const capacity = capacityFor(size);
      const kept = shelves.get(capacity)?.pop();
      if (kept !== undefined) {
        shelved.delete(kept);
        free -= capacity;
        return Buffer.from(kept, 0, size);
      }
      const fresh = new ArrayBuffer(capacity);
      made.add(fresh);
      return Buffer.from(fresh, 0, size);
    },

    give(buffer, inUse) {
      const whole = buffer.buffer;
      // Given twice, a buffer would go to two fetches at once.
      if (!(whole instanceof ArrayBuffer) || !made.has(whole) || shelved.has(whole)) return;
      const capacity = whole.byteLength;
      if (free + capacity + inUse > budgetBytes) return;
      free += capacity;
      shelved.add(whole);
      const shelf = shelves.get(capacity);
      if (shelf === undefined) shelves.set(capacity, [whole]);
      else shelf.push(whole);
    },

    get free() {
      return free;
    },
  };
}
