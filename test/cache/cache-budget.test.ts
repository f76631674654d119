// The byte budget's I/O on real files in a temp dir: the walk, unlinking victims, and the
// running budget (background rebuild, eviction on write, hot-cache hits as uses).

import { mkdir, mkdtemp, readdir, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCacheBudget } from '../../src/cache/cache-budget.js';
import { walkCache } from '../../src/cache/cache-walk.js';
import { evictFiles } from '../../src/cache/evict-files.js';
import { createHotCache } from '../../src/cache/hot-cache.js';

/** A held file as these tests store it. */
type Held = { readonly body: Buffer; readonly size: number; readonly mtimeMs: number };

let dir: string;
let root: string;
let outside: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rendition-budget-'));
  root = join(dir, 'cache');
  outside = join(dir, 'outside');
  await mkdir(root);
  await mkdir(outside);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
const BASE = Date.UTC(2025, 0, 1);

/** Writes `root/path` with `size` bytes, last used `day` days after BASE (atime and mtime). */
async function put(path: string, size: number, day: number, at = root): Promise<void> {
  const file = join(at, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, Buffer.alloc(size, 1));
  await touch(path, day, at);
}

async function touch(path: string, day: number, at = root): Promise<void> {
  const time = new Date(BASE + day * DAY);
  await utimes(join(at, path), time, time);
}

async function files(at = root): Promise<string[]> {
  const names = await readdir(at, { recursive: true, withFileTypes: true });
  return names
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(at.length + 1))
    .sort();
}

describe('walkCache', () => {
  it('lists regular files with size and last use, skipping the temp dir and symlinks', async () => {
    await put('a.jpg/thumbnail/10x10.webp', 100, 1);
    await put('b/c.png/crop/5x5.fallback.png', 50, 2);
    await put(':tmp/123-abc.tmp', 999, 3);
    await put('secret.jpg', 10, 4, outside);
    await symlink(outside, join(root, 'linked-dir'));
    await symlink(join(outside, 'secret.jpg'), join(root, 'linked-file.jpg'));
    // atime newer than mtime: nginx read it.
    await utimes(
      join(root, 'a.jpg/thumbnail/10x10.webp'),
      new Date(BASE + 5 * DAY),
      new Date(BASE),
    );
    const walked = (await walkCache(root)).sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(walked).toEqual([
      { path: 'a.jpg/thumbnail/10x10.webp', size: 100, lastUse: BASE + 5 * DAY },
      { path: 'b/c.png/crop/5x5.fallback.png', size: 50, lastUse: BASE + 2 * DAY },
    ]);
  });

  it('answers nothing for a missing root and stops when aborted', async () => {
    expect(await walkCache(join(dir, 'nope'))).toEqual([]);
    await put('a/crop/1x1.jpg', 1, 1);
    await expect(walkCache(root, { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});

describe('evictFiles', () => {
  it('unlinks the victims and the directories they leave empty, nothing else', async () => {
    await put('a.jpg/thumbnail/10x10.webp', 100, 1);
    await put('a.jpg/crop/10x10.webp', 100, 2);
    await put('b.jpg/crop/10x10.webp', 100, 3);
    const victims = (await walkCache(root)).filter((entry) => entry.lastUse < BASE + 3 * DAY);
    const report = await evictFiles(victims, { cacheRoot: root });
    expect(report.evicted).toHaveLength(2);
    expect(report.freed).toBe(200);
    expect(await files()).toEqual(['b.jpg/crop/10x10.webp']);
    expect((await readdir(root)).sort()).toEqual(['b.jpg']);
  });

  it('keeps victims used or rewritten since the plan, and reports those already gone', async () => {
    await put('read.jpg/crop/1x1.jpg', 10, 1);
    await put('hit.jpg/crop/1x1.jpg', 10, 1);
    await put('rewritten.jpg/crop/1x1.jpg', 10, 1);
    await put('gone.jpg/crop/1x1.jpg', 10, 1);
    await put('old.jpg/crop/1x1.jpg', 10, 1);
    const victims = await walkCache(root);
    await touch('read.jpg/crop/1x1.jpg', 2);
    await writeFile(join(root, 'rewritten.jpg/crop/1x1.jpg'), Buffer.alloc(11));
    await rm(join(root, 'gone.jpg/crop/1x1.jpg'));
    const report = await evictFiles(victims, {
      cacheRoot: root,
      lastUseKnown: (path) => (path.startsWith('hit.jpg') ? BASE + 2 * DAY : undefined),
    });
    expect(report.evicted.map((entry) => entry.path)).toEqual(['old.jpg/crop/1x1.jpg']);
    expect(report.kept.map((entry) => entry.path).sort()).toEqual([
      'hit.jpg/crop/1x1.jpg',
      'read.jpg/crop/1x1.jpg',
      'rewritten.jpg/crop/1x1.jpg',
    ]);
    expect(report.gone.map((entry) => entry.path)).toEqual(['gone.jpg/crop/1x1.jpg']);
  });

  it('deletes nothing in a dry run', async () => {
    await put('a.jpg/crop/1x1.jpg', 10, 1);
    const seen: string[] = [];
    const report = await evictFiles(await walkCache(root), {
      cacheRoot: root,
      dryRun: true,
      onEvicted: (entry) => seen.push(entry.path),
    });
    expect(seen).toEqual(['a.jpg/crop/1x1.jpg']);
    expect(report.freed).toBe(10);
    expect(await files()).toEqual(['a.jpg/crop/1x1.jpg']);
  });

  it('never unlinks through a directory swapped for a symlink after the walk', async () => {
    await put('a.jpg/crop/1x1.jpg', 10, 1);
    await put('a.jpg/crop/1x1.jpg', 10, 1, outside);
    const victims = await walkCache(root);
    await rename(join(root, 'a.jpg'), join(dir, 'moved'));
    await symlink(join(outside, 'a.jpg'), join(root, 'a.jpg'));
    const report = await evictFiles(victims, { cacheRoot: root });
    expect(report.evicted).toEqual([]);
    expect(report.failed).toHaveLength(1);
    expect(await files(outside)).toEqual(['a.jpg/crop/1x1.jpg']);
  });
});

describe('createCacheBudget', () => {
  function budget(maxBytes: number, lowWaterBytes: number) {
    const hotCache = createHotCache<Held>({ maxBytes: 1_000_000, maxFileBytes: 1000 });
    const errors: unknown[] = [];
    const created = createCacheBudget({
      cacheRoot: root,
      limits: { maxBytes, lowWaterBytes },
      hotCache,
      minIntervalMs: 0,
      onError: (error) => errors.push(error),
    });
    return { budget: created, hotCache, errors };
  }

  it('rebuilds its index from a walk at start; eviction waits for it', async () => {
    for (let i = 0; i < 10; i += 1) await put(`p${i}.jpg/crop/1x1.jpg`, 100, i);
    const { budget: b, errors } = budget(2000, 1500);
    // Told of a write before the walk: counted, but nothing evicted yet.
    await put('new.jpg/crop/1x1.jpg', 100, 20);
    b.written('new.jpg/crop/1x1.jpg', 100);
    expect(b.stats()).toMatchObject({ ready: false, walks: 0 });
    b.start();
    await b.idle();
    expect(b.stats()).toMatchObject({ ready: true, files: 11, bytes: 1100, evictedFiles: 0 });
    expect(errors).toEqual([]);
    await b.close();
  });

  it('evicts the least recently used down to the low-water mark once a write passes the budget', async () => {
    for (let i = 0; i < 10; i += 1) await put(`p${i}.jpg/crop/1x1.jpg`, 100, 10 - i);
    const { budget: b, hotCache, errors } = budget(1000, 700);
    b.start();
    await b.idle();
    const p9 = join(root, 'p9.jpg/crop/1x1.jpg');
    hotCache.set(p9, { body: Buffer.alloc(100), size: 100, mtimeMs: 0 });
    await put('p10.jpg/crop/1x1.jpg', 100, 30);
    b.written('p10.jpg/crop/1x1.jpg', 100);
    await b.idle();
    // p9..p6 were the oldest (days 1..4).
    expect(await files()).toEqual(
      ['p0', 'p1', 'p10', 'p2', 'p3', 'p4', 'p5'].map((p) => `${p}.jpg/crop/1x1.jpg`),
    );
    expect(b.stats()).toMatchObject({ files: 7, bytes: 700, evictedFiles: 4, evictedBytes: 400 });
    expect(await hotCache.get(p9)).toBeUndefined();
    expect(await readdir(root)).not.toContain('p9.jpg');
    expect(errors).toEqual([]);
    await b.close();
  });

  it('counts hot-cache hits as uses (they read no file)', async () => {
    for (let i = 0; i < 4; i += 1) await put(`p${i}.jpg/crop/1x1.jpg`, 100, i);
    const { budget: b, hotCache } = budget(400, 300);
    b.start();
    await b.idle();
    const tracked = b.trackUses(hotCache);
    const p0 = join(root, 'p0.jpg/crop/1x1.jpg');
    tracked.set(p0, { body: Buffer.alloc(100), size: 100, mtimeMs: 0 });
    expect(await tracked.get(p0)).toBeDefined();
    await put('p4.jpg/crop/1x1.jpg', 100, 10);
    b.written('p4.jpg/crop/1x1.jpg', 100);
    await b.idle();
    // p0 is the oldest on disk but was just served from memory: p1 and p2 go instead.
    expect(await files()).toEqual(['p0', 'p3', 'p4'].map((p) => `${p}.jpg/crop/1x1.jpg`));
    await b.close();
  });

  it('forgets purged files, so they do not count against the budget', async () => {
    for (let i = 0; i < 4; i += 1) await put(`p${i}.jpg/crop/1x1.jpg`, 100, i);
    const { budget: b } = budget(450, 300);
    b.start();
    await b.idle();
    await rm(join(root, 'p0.jpg'), { recursive: true });
    b.deleted('p0.jpg');
    await put('p4.jpg/crop/1x1.jpg', 100, 10);
    b.written('p4.jpg/crop/1x1.jpg', 100);
    await b.idle();
    expect(b.stats()).toMatchObject({ files: 4, bytes: 400, evictedFiles: 0, walks: 1 });
    await b.close();
  });

  it('does nothing at all with no budget', async () => {
    await put('p0.jpg/crop/1x1.jpg', 100, 0);
    const { budget: b, hotCache } = budget(0, 0);
    b.start();
    b.written('p0.jpg/crop/1x1.jpg', 100);
    await b.idle();
    expect(b.stats()).toMatchObject({ enabled: false, ready: false, walks: 0 });
    expect(b.trackUses(hotCache)).toBe(hotCache);
    await b.close();
  });

  it('counts a CACHE_ROOT removed behind its back as empty, and picks up from there', async () => {
    const { budget: b, errors } = budget(100, 50);
    await rm(root, { recursive: true });
    b.start();
    await b.idle();
    expect(b.stats()).toMatchObject({ ready: true, files: 0, bytes: 0 });
    for (let i = 0; i < 3; i += 1) {
      await put(`p${i}.jpg/crop/1x1.jpg`, 40, i);
      b.written(`p${i}.jpg/crop/1x1.jpg`, 40);
    }
    await b.idle();
    expect(await files()).toEqual(['p2.jpg/crop/1x1.jpg']);
    expect(errors).toEqual([]);
    await b.close();
  });
});
