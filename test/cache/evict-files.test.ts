// Carrying out an eviction plan on real files: what is reported, and in which order.

import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastUseOf } from '../../src/cache/cache-walk.js';
import { evictFiles } from '../../src/cache/evict-files.js';
import type { CacheEntry } from '../../src/cache/eviction-plan.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rendition-evict-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function entryFor(path: string): Promise<CacheEntry> {
  const file = join(root, path);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, 'x');
  const stats = await stat(file);
  return { path, size: stats.size, lastUse: lastUseOf(stats) };
}

describe('evictFiles', () => {
  it('reports victims in the plan order, however their checks finish', async () => {
    // The first victim sits deep (its lstat walks 60 directories), a missing one comes
    // second: checked concurrently, they finish after or before the others. The report and
    // `gc --dry-run`'s lines used to follow the finishing order (test/cli-gc.test.ts flaked).
    const deep = `${Array.from({ length: 60 }, (_, i) => `d${i}`).join('/')}/a.jpg`;
    const victims = [await entryFor(deep), { path: 'gone.jpg', size: 1, lastUse: 0 }];
    for (let i = 0; i < 30; i += 1) victims.push(await entryFor(`p${i}.jpg`));
    // Ten dry runs, then a real one: the old finishing order broke at least one of them.
    for (const dryRun of [...Array<boolean>(10).fill(true), false]) {
      const told: string[] = [];
      const report = await evictFiles(victims, {
        cacheRoot: root,
        dryRun,
        onEvicted: (entry) => told.push(entry.path),
      });
      const expected = victims.filter((v) => v.path !== 'gone.jpg').map((v) => v.path);
      expect(told).toEqual(expected);
      expect(report.evicted.map((entry) => entry.path)).toEqual(expected);
      expect(report.gone.map((entry) => entry.path)).toEqual(['gone.jpg']);
    }
  });
});
