// `rendition gc [--dry-run]` as users run it (the built dist/cli.js), on real files; and beside
// a running server.

import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { noiseJpeg } from './helpers/images.js';
import { startTestServer } from './helpers/server.js';

let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rendition-gc-'));
  env = {
    MEDIA_ROOT: join(dir, 'media'),
    CACHE_ROOT: join(dir, 'cache'),
    DATA_DIR: join(dir, 'data'),
    CACHE_MAX_BYTES: '1000',
    CACHE_LOW_WATER_PERCENT: '50',
  };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const DAY = 86_400;
const BASE = Date.UTC(2025, 0, 1) / 1000;

async function put(root: string, path: string, size: number, day: number): Promise<void> {
  const file = join(dir, root, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, Buffer.alloc(size, 7));
  await utimes(file, BASE + day * DAY, BASE + day * DAY);
}

async function files(root: string): Promise<string[]> {
  const entries = await readdir(join(dir, root), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(join(dir, root).length + 1))
    .sort();
}

/** Ten 200-byte renditions, p0 the least recently used; an original and a temp file. */
async function fill(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await put('cache', `p${i}.jpg/crop/10x10.jpg`, 200, i);
  await put('cache', ':tmp/1-abc.tmp', 5000, 0);
  await put('media', 'p0.jpg', 5000, 0);
}

const run = (args: string[], extra: Record<string, string> = {}) =>
  runCli(['gc', ...args], { ...env, ...extra }, { cwd: dir });

describe('rendition gc', () => {
  it('--dry-run lists the least recently used renditions it would evict and deletes nothing', async () => {
    await fill();
    const before = await files('cache');
    const result = await run(['--dry-run']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      `CACHE_ROOT=${join(dir, 'cache')}: 2000 bytes (2.0 KiB) in 10 files; budget 1000 bytes, low water 500 bytes`,
    );
    // 2000 bytes down to at most 500: the 8 oldest.
    const victims = lines.filter((line) => line.startsWith('would evict  '));
    expect(victims.map((line) => line.split(/\s+/)[2])).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `p${i}.jpg/crop/10x10.jpg`),
    );
    expect(victims[0]).toBe(
      'would evict  p0.jpg/crop/10x10.jpg  200 bytes  last used 2025-01-01T00:00:00.000Z',
    );
    expect(lines.at(-1)).toBe(
      'would evict 8 files, would free 1600 bytes (1.6 KiB); 400 bytes in 2 files would remain',
    );
    expect(await files('cache')).toEqual(before);
  });

  it('evicts down to the low-water mark, oldest first, tidying empty directories', async () => {
    await fill();
    const result = await run([]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('evicted  p7.jpg/crop/10x10.jpg  200 bytes');
    expect(result.stdout.trim().split('\n').at(-1)).toBe(
      'evicted 8 files, freed 1600 bytes (1.6 KiB); 400 bytes in 2 files remain',
    );
    expect(await files('cache')).toEqual([
      ':tmp/1-abc.tmp',
      'p8.jpg/crop/10x10.jpg',
      'p9.jpg/crop/10x10.jpg',
    ]);
    expect((await readdir(join(dir, 'cache'))).sort()).toEqual([':tmp', 'p8.jpg', 'p9.jpg']);
    // Originals are never evicted (MEDIA_ROOT is not even walked).
    expect(await files('media')).toEqual(['p0.jpg']);

    const again = await run([]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('within the budget: nothing to evict');
  });

  it('has nothing to do without a budget or without a cache', async () => {
    await fill();
    const unlimited = await run([], { CACHE_MAX_BYTES: '0' });
    expect(unlimited.status).toBe(0);
    expect(unlimited.stdout).toBe('CACHE_MAX_BYTES is 0 (no budget): nothing to evict\n');
    const missing = await run([], { CACHE_ROOT: join(dir, 'nope') });
    expect(missing.status).toBe(0);
    expect(missing.stdout).toContain('does not exist: nothing to evict');
    expect(await files('cache')).toHaveLength(11);
  });

  it('refuses unknown options and arguments as usage errors', async () => {
    const result = await run(['--force']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: rendition gc [--dry-run]');
    expect((await run(['extra'])).status).toBe(2);
  });

  it('runs beside a server on the same roots: evicted renditions are rendered again', async () => {
    const server = await startTestServer({ ARBITRARY_SIZES: 'true' });
    try {
      const original = await noiseJpeg(400, 300);
      await server.putOriginal('noise.jpg', original);
      const urls = [60, 70, 80, 90].map((w) => `${server.url}/media/noise.jpg/crop/${w}x${w}.jpg`);
      for (const url of urls) expect((await fetch(url)).status).toBe(200);
      const { mediaRoot, cacheRoot, dataDir } = server.config.roots;
      const roots = { MEDIA_ROOT: mediaRoot, CACHE_ROOT: cacheRoot, DATA_DIR: dataDir };
      const result = await runCli(['gc'], { ...roots, CACHE_MAX_BYTES: '1' }, { cwd: dir });
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^evicted 4 files, freed \d+ bytes/m);
      await server.parts.cacheBudget.idle();
      for (const url of urls) {
        const response = await fetch(url);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('image/jpeg');
        expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
      }
      expect(await readFile(join(mediaRoot, 'noise.jpg'))).toEqual(original);
      expect(server.unexpectedErrors).toEqual([]);
    } finally {
      await server.dispose();
    }
  });
});
