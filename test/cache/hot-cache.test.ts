// The in-memory hot cache: byte bound, revalidation against the disk, the I/O-free peek.

import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHotCache } from '../../src/cache/hot-cache.js';

/** A held file as these tests store it. */
type Held = { readonly body: Buffer; readonly size: number; readonly mtimeMs: number };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hot-cache-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const held = (text: string) => ({ body: Buffer.from(text), size: text.length, mtimeMs: 1 });

describe('createHotCache', () => {
  it('peeks at a fresh entry without I/O, and not at a stale one', async () => {
    let now = 1_000_000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const cache = createHotCache<Held>({ maxBytes: 100, maxFileBytes: 50, revalidateMs: 1000 });
      const file = join(dir, 'a.jpg');
      cache.set(file, held('abc'));
      expect(cache.peek(file)?.body.toString()).toBe('abc');
      now += 1001;
      // Stale: peek says "ask get", and get checks the disk, where there is no such file.
      expect(cache.peek(file)).toBeUndefined();
      expect(await cache.get(file)).toBeUndefined();
      expect(cache.peek(file)).toBeUndefined();
    } finally {
      Date.now = realNow;
    }
  });

  it('keeps an entry whose file is unchanged, fresh again after revalidation', async () => {
    const file = join(dir, 'b.jpg');
    await writeFile(file, 'xyz');
    const { mtimeMs } = await stat(file);
    let now = 1_000_000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      const cache = createHotCache<Held>({ maxBytes: 100, maxFileBytes: 50, revalidateMs: 1000 });
      cache.set(file, { body: Buffer.from('xyz'), size: 3, mtimeMs });
      now += 5000;
      expect(cache.peek(file)).toBeUndefined();
      expect((await cache.get(file))?.body.toString()).toBe('xyz');
      expect(cache.peek(file)?.body.toString()).toBe('xyz');
    } finally {
      Date.now = realNow;
    }
  });

  it('drops an entry whose file changed, in size or only in mtime', async () => {
    const grown = join(dir, 'grown.jpg');
    const touched = join(dir, 'touched.jpg');
    await writeFile(grown, 'xyz');
    await writeFile(touched, 'xyz');
    const cache = createHotCache<Held>({ maxBytes: 100, maxFileBytes: 50, revalidateMs: 0 });
    for (const file of [grown, touched]) {
      cache.set(file, { body: Buffer.from('xyz'), size: 3, mtimeMs: (await stat(file)).mtimeMs });
    }
    await writeFile(grown, 'abcd');
    await utimes(touched, new Date(), new Date(Date.now() + 5000));
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(await cache.get(grown)).toBeUndefined();
    expect(await cache.get(touched)).toBeUndefined();
  });

  it('holds no file over the per-file limit and stays within its byte bound', () => {
    const cache = createHotCache<Held>({ maxBytes: 10, maxFileBytes: 6 });
    cache.set(join(dir, 'big'), held('1234567'));
    expect(cache.peek(join(dir, 'big'))).toBeUndefined();
    cache.set(join(dir, 'one'), held('123456'));
    cache.set(join(dir, 'two'), held('123456'));
    expect(cache.bytes).toBeLessThanOrEqual(10);
    expect(cache.peek(join(dir, 'one'))).toBeUndefined();
    expect(cache.peek(join(dir, 'two'))?.size).toBe(6);
  });

  it('drops one file, leaving its neighbours', () => {
    const cache = createHotCache<Held>({ maxBytes: 100, maxFileBytes: 50 });
    cache.set(join(dir, 'p.jpg/crop/1x1.jpg'), held('a'));
    cache.set(join(dir, 'p.jpg/crop/2x2.jpg'), held('b'));
    cache.delete(join(dir, 'p.jpg/crop/1x1.jpg'));
    expect(cache.peek(join(dir, 'p.jpg/crop/1x1.jpg'))).toBeUndefined();
    expect(cache.peek(join(dir, 'p.jpg/crop/2x2.jpg'))?.body.toString()).toBe('b');
    expect(cache.bytes).toBe(1);
  });

  it('drops every entry under a directory prefix', () => {
    const cache = createHotCache<Held>({ maxBytes: 100, maxFileBytes: 50 });
    cache.set(join(dir, 'p.jpg/crop/1x1.jpg'), held('a'));
    cache.set(join(dir, 'p.jpg.other/crop/1x1.jpg'), held('b'));
    cache.deletePrefix(join(dir, 'p.jpg'));
    expect(cache.peek(join(dir, 'p.jpg/crop/1x1.jpg'))).toBeUndefined();
    expect(cache.peek(join(dir, 'p.jpg.other/crop/1x1.jpg'))?.body.toString()).toBe('b');
  });
});
