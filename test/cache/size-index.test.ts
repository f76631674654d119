// The size index: writes, purges and Node's own hits, and rebuilds that race with them.

import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/cache/eviction-plan.js';
import { createSizeIndex } from '../../src/cache/size-index.js';

function sorted(items: CacheEntry[]): CacheEntry[] {
  return items.sort((a, b) => (a.path < b.path ? -1 : 1));
}

describe('size index', () => {
  it('is not ready before its first walk, and counts what it is told meanwhile', async () => {
    const index = createSizeIndex();
    index.written('a.jpg/thumbnail/1x1.jpg', 10, 1);
    expect(index.ready).toBe(false);
    expect(index.bytes).toBe(10);
  });

  it('adds writes, replaces rewrites, and drops files and whole directories', async () => {
    const index = createSizeIndex();
    await index.finishRebuild([]);
    index.written('a.jpg/thumbnail/1x1.jpg', 10, 1);
    index.written('a.jpg/crop/1x1.webp', 20, 2);
    index.written('ab.jpg/crop/1x1.webp', 40, 3);
    index.written('a.jpg/crop/1x1.webp', 25, 4);
    expect([index.bytes, index.files]).toEqual([75, 3]);
    index.deleted('a.jpg/crop/1x1.webp');
    expect([index.bytes, index.files]).toEqual([50, 2]);
    // A directory, not a name prefix: ab.jpg stays.
    index.deleted('a.jpg');
    expect([index.bytes, index.files]).toEqual([40, 1]);
    index.deleted('missing');
    index.deleted('ab');
    expect([index.bytes, index.files]).toEqual([40, 1]);
  });

  it("keeps Node's hits of indexed files, newest only, until they are deleted", async () => {
    const index = createSizeIndex();
    await index.finishRebuild([{ path: 'x/crop/1x1.jpg', size: 5, lastUse: 100 }]);
    index.used('x/crop/1x1.jpg', 200);
    index.used('x/crop/1x1.jpg', 150);
    index.used('unknown', 300);
    expect(index.lastUseOf('x/crop/1x1.jpg')).toBe(200);
    expect(index.lastUseOf('unknown')).toBeUndefined();
    index.deleted('x');
    expect(index.lastUseOf('x/crop/1x1.jpg')).toBeUndefined();
  });

  it('replays the changes made during a walk over what the walk found', async () => {
    const index = createSizeIndex();
    await index.finishRebuild([]);
    index.written('kept/crop/1x1.jpg', 1, 1);
    index.used('kept/crop/1x1.jpg', 500);
    index.beginRebuild();
    // During the walk: a purge (the walk saw the file first), a new file (the walk missed
    // it), and a rewrite (the walk saw the old size).
    index.deleted('purged');
    index.written('new/crop/1x1.jpg', 7, 900);
    index.written('rewritten/crop/1x1.jpg', 30, 901);
    const entries = await index.finishRebuild([
      { path: 'kept/crop/1x1.jpg', size: 1, lastUse: 10 },
      { path: 'purged/crop/1x1.jpg', size: 100, lastUse: 10 },
      { path: 'rewritten/crop/1x1.jpg', size: 3, lastUse: 10 },
      { path: 'on-disk-only/crop/1x1.jpg', size: 2, lastUse: 20 },
    ]);
    expect(index.ready).toBe(true);
    expect(sorted(entries)).toEqual([
      // Node's hit survives the rebuild.
      { path: 'kept/crop/1x1.jpg', size: 1, lastUse: 500 },
      { path: 'new/crop/1x1.jpg', size: 7, lastUse: 900 },
      { path: 'on-disk-only/crop/1x1.jpg', size: 2, lastUse: 20 },
      { path: 'rewritten/crop/1x1.jpg', size: 30, lastUse: 901 },
    ]);
    expect([index.bytes, index.files]).toEqual([40, 4]);
  });

  it('replays changes made while a large rebuild is being finished', async () => {
    const index = createSizeIndex();
    index.beginRebuild();
    const walked = Array.from({ length: 45_000 }, (_, i) => ({
      path: `p${i}/crop/1x1.jpg`,
      size: 2,
      lastUse: i,
    }));
    const finishing = index.finishRebuild(walked);
    // The rebuild yields to the event loop between slices: these land in the middle of it.
    index.deleted('p1');
    index.written('new/crop/1x1.jpg', 5, 99_999);
    const entries = await finishing;
    expect([index.files, index.bytes]).toEqual([45_000, 45_000 * 2 - 2 + 5]);
    expect(entries).toHaveLength(45_000);
    expect(entries.find((entry) => entry.path.startsWith('p1/'))).toBeUndefined();
    expect(entries.at(-1)).toEqual({ path: 'new/crop/1x1.jpg', size: 5, lastUse: 99_999 });
  });

  it('drops the hits of files a walk no longer finds', async () => {
    const index = createSizeIndex();
    await index.finishRebuild([{ path: 'a', size: 1, lastUse: 1 }]);
    index.used('a', 5);
    // Removed behind its back (`rendition gc` in another process).
    expect(await index.finishRebuild([])).toEqual([]);
    expect(index.lastUseOf('a')).toBeUndefined();
  });

  it('keeps its contents when a walk is cancelled', async () => {
    const index = createSizeIndex();
    await index.finishRebuild([{ path: 'a', size: 1, lastUse: 1 }]);
    index.beginRebuild();
    index.written('b', 2, 2);
    index.cancelRebuild();
    expect([index.bytes, index.files]).toEqual([3, 2]);
    // The cancelled walk's journal is not replayed by a later one.
    index.beginRebuild();
    expect(await index.finishRebuild([{ path: 'a', size: 1, lastUse: 1 }])).toEqual([
      { path: 'a', size: 1, lastUse: 1 },
    ]);
  });
});
