// The CACHE_ROOT byte budget on a real server: fill the cache past CACHE_MAX_BYTES through
// public URLs; it comes back under the low-water mark, least recently used first, and never
// touches an original. A restart rebuilds the index from the disk.

import { readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMP_DIR_NAME } from '../../src/cache/layout.js';
import { startServerWithParts } from '../../src/server.js';
import { noiseJpeg } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const MAX_BYTES = 40_000;
const LOW_WATER = 32_000; // 80 %

let server: TestServer;
let original: Buffer;

beforeAll(async () => {
  server = await startTestServer({
    CACHE_MAX_BYTES: String(MAX_BYTES),
    CACHE_LOW_WATER_PERCENT: '80',
    ARBITRARY_SIZES: 'true',
  });
  original = await noiseJpeg(600, 400);
  await server.putOriginal('photos/noise.jpg', original);
  await server.putOriginal('other.jpg', original);
});
afterAll(async () => {
  await server.dispose();
});

/** Every file under CACHE_ROOT (temp dir aside): relative path -> size. */
async function cacheFiles(root = server.config.roots.cacheRoot): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name).slice(root.length + 1);
    if (!entry.isFile() || path.startsWith(`${TEMP_DIR_NAME}/`)) continue;
    files.set(path, (await stat(join(root, path))).size);
  }
  return files;
}

function total(files: Map<string, number>): number {
  return [...files.values()].reduce((sum, size) => sum + size, 0);
}

let next = 80;
/** Renders a new rendition through its public URL and waits for any eviction it started. */
async function renderOne(path = 'photos/noise.jpg'): Promise<string> {
  const size = `${next}x${next}`;
  next += 1;
  const response = await fetch(`${server.url}/media/${path}/crop/${size}.jpg`);
  expect(response.status).toBe(200);
  expect(response.headers.get('x-rendition-cache')).toBe('miss');
  await response.arrayBuffer();
  await server.parts.cacheBudget.idle();
  return `${path}/crop/${size}.jpg`;
}

describe('cache byte budget', () => {
  it('comes back under the low-water mark each time a write passes the budget', async () => {
    await server.parts.cacheBudget.idle();
    expect(server.parts.cacheBudget.stats()).toMatchObject({ ready: true, files: 0, bytes: 0 });
    let evictions = 0;
    for (let i = 0; i < 40 && evictions < 3; i += 1) {
      const before = total(await cacheFiles());
      const file = await renderOne(i % 3 === 0 ? 'other.jpg' : 'photos/noise.jpg');
      const after = await cacheFiles();
      const written = (await stat(join(server.config.roots.cacheRoot, file))).size;
      if (before + written > MAX_BYTES) {
        evictions += 1;
        expect(total(after)).toBeLessThanOrEqual(LOW_WATER);
      } else {
        expect(total(after)).toBe(before + written);
      }
      // The index agrees with the disk after every write and eviction.
      expect(server.parts.cacheBudget.stats()).toMatchObject({
        files: after.size,
        bytes: total(after),
      });
    }
    expect(evictions).toBe(3);
    // Originals are never evicted.
    for (const path of ['photos/noise.jpg', 'other.jpg']) {
      expect(await readFile(join(server.config.roots.mediaRoot, path))).toEqual(original);
    }
    expect(server.unexpectedErrors).toEqual([]);
  });

  it('evicts the least recently used renditions and keeps the most recently used', async () => {
    // Give each cached rendition its own last use (as nginx's reads would leave in atime).
    const survivors = [...(await cacheFiles()).keys()].sort();
    const day = 86_400_000;
    const lastUse = new Map<string, number>();
    survivors.forEach((path, i) => {
      // Interleaved, so the order is neither the names' nor the writes'.
      const rank = i % 2 === 0 ? i : survivors.length + i;
      lastUse.set(path, Date.now() - 30 * day + rank * day);
    });
    for (const [path, time] of lastUse) {
      await utimes(join(server.config.roots.cacheRoot, path), time / 1000, time / 1000);
    }
    const byAge = [...lastUse.keys()].sort(
      (a, b) => (lastUse.get(a) as number) - (lastUse.get(b) as number),
    );

    const evictedBefore = server.parts.cacheBudget.stats().evictedFiles;
    const added: string[] = [];
    while (server.parts.cacheBudget.stats().evictedFiles === evictedBefore) {
      added.push(await renderOne());
      expect(added.length).toBeLessThan(20);
    }
    const after = await cacheFiles();
    expect(total(after)).toBeLessThanOrEqual(LOW_WATER);
    const gone = byAge.filter((path) => !after.has(path));
    // Exactly the oldest ones, in order; the newest survived, and so did every new rendition.
    expect(gone.length).toBeGreaterThan(0);
    expect(gone).toEqual(byAge.slice(0, gone.length));
    expect(after.has(byAge.at(-1) as string)).toBe(true);
    for (const path of added) expect(after.has(path)).toBe(true);
    // An evicted rendition is simply rendered again.
    const again = await fetch(`${server.url}/media/${gone[0] as string}`);
    expect(again.status).toBe(200);
    expect(again.headers.get('x-rendition-cache')).toBe('miss');
    await again.arrayBuffer();
    await server.parts.cacheBudget.idle();
  });

  it('forgets purged renditions (a delete through the admin API)', async () => {
    const files = await cacheFiles();
    const ofOther = [...files.keys()].filter((path) => path.startsWith('other.jpg/'));
    expect(ofOther.length).toBeGreaterThan(0);
    const response = await fetch(`${server.url}/admin/images/other.jpg`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${server.adminToken.token}` },
    });
    expect(response.status).toBe(204);
    const after = await cacheFiles();
    expect(server.parts.cacheBudget.stats()).toMatchObject({
      files: after.size,
      bytes: total(after),
    });
    expect(after.size).toBe(files.size - ofOther.length);
  });

  it('rebuilds its index from the disk after a restart', async () => {
    const before = await cacheFiles();
    expect(before.size).toBeGreaterThan(0);
    await server.close();
    const restarted = await startServerWithParts(server.config, { logError: () => {} });
    try {
      // The index is built in the background: the server answers before it is ready.
      expect((await fetch(`${restarted.url}/healthz`)).status).toBe(200);
      await restarted.parts.cacheBudget.idle();
      expect(restarted.parts.cacheBudget.stats()).toMatchObject({
        ready: true,
        walks: 1,
        files: before.size,
        bytes: total(before),
        evictedFiles: 0,
      });
    } finally {
      await restarted.close();
    }
  });

  it('evicts at start when the cache is already over a (lowered) budget', async () => {
    const before = await cacheFiles();
    const config = {
      ...server.config,
      cacheBudget: { maxBytes: Math.floor(total(before) / 2), lowWaterBytes: 0 },
    };
    const restarted = await startServerWithParts(config, { logError: () => {} });
    try {
      await restarted.parts.cacheBudget.idle();
      expect(await cacheFiles()).toEqual(new Map());
      expect(restarted.parts.cacheBudget.stats()).toMatchObject({ files: 0, bytes: 0 });
      // Empty directories are tidied away; the temp dir is left alone.
      const left = await readdir(server.config.roots.cacheRoot);
      expect(left.filter((name) => name !== TEMP_DIR_NAME)).toEqual([]);
    } finally {
      await restarted.close();
      await rm(join(server.config.roots.cacheRoot, TEMP_DIR_NAME), {
        recursive: true,
        force: true,
      });
    }
  });
});
