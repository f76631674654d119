// Atomic cache writes on real files: what lands, what a purge mid-write leaves, the validators.

import { mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/cache/atomic-write.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rendition-atomic-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const BYTES = Buffer.from('rendition bytes');

describe('writeFileAtomic', () => {
  it('puts the bytes in place and returns the validators the file has', async () => {
    const floor = Date.UTC(2030, 0, 1);
    const written = await writeFileAtomic(root, 'a.jpg/crop/10x10.jpg', BYTES, {
      minMtimeMs: floor,
    });
    const target = join(root, 'a.jpg/crop/10x10.jpg');
    expect(written?.path).toBe(target);
    expect(await readFile(target)).toEqual(BYTES);
    const stats = await stat(target);
    expect(written).toMatchObject({ size: BYTES.length, mtimeMs: stats.mtimeMs });
    expect(stats.mtimeMs).toBeGreaterThanOrEqual(floor);
  });

  it('writes again after its temp dir was removed under it', async () => {
    await writeFileAtomic(root, 'c.jpg/crop/10x10.jpg', BYTES);
    // An operator emptying CACHE_ROOT by hand takes `:tmp` with it.
    await rm(join(root, ':tmp'), { recursive: true, force: true });
    await writeFileAtomic(root, 'c.jpg/crop/20x20.jpg', BYTES);
    expect(await readFile(join(root, 'c.jpg/crop/20x20.jpg'))).toEqual(BYTES);
    expect(await readdir(join(root, ':tmp'))).toEqual([]);
  });

  it('returns the validators even when a purge moves the file away the moment it lands', async () => {
    // The rendition cache used to stat the target after this returned: a replace's purge in
    // between (the directory renamed into the trash) made that ENOENT, and the render a 500.
    let asked = 0;
    const written = await writeFileAtomic(root, 'b.jpg/crop/10x10.jpg', BYTES, {
      stillWanted: () => {
        asked += 1;
        return true;
      },
    });
    expect(asked).toBe(2);
    await rename(join(root, 'b.jpg'), join(root, 'trash'));
    expect(written).toMatchObject({ size: BYTES.length });
    expect(written?.mtimeMs).toBe((await stat(join(root, 'trash/crop/10x10.jpg'))).mtimeMs);
  });

  it('leaves nothing when the write is no longer wanted, before or after the rename', async () => {
    for (const refuseAt of [1, 2]) {
      let asked = 0;
      const written = await writeFileAtomic(root, `c${refuseAt}.jpg/x.jpg`, BYTES, {
        stillWanted: () => {
          asked += 1;
          return asked < refuseAt;
        },
      });
      expect(written).toBeUndefined();
      await expect(stat(join(root, `c${refuseAt}.jpg/x.jpg`))).rejects.toThrow(/ENOENT/);
    }
    expect(await readdir(join(root, ':tmp'))).toEqual([]);
  });
});
