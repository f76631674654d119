// The disk cache over real HTTP: single-flight, temp-file hygiene, hot cache, overload.

import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { TEMP_DIR_NAME } from '../../src/cache/layout.js';
import { startServer } from '../../src/server.js';
import { errorOf, rawRequest } from '../helpers/http.js';
import { inspect, jpegImage, noiseJpeg } from '../helpers/images.js';
import { makeTestConfig, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

describe('single-flight', () => {
  it('renders 50 concurrent identical misses once', async () => {
    server = await startTestServer();
    await server.putOriginal('big.jpg', await noiseJpeg());
    const s = server;
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        rawRequest(s.url, '/media/big.jpg/thumbnail/320x320', {
          headers: { Accept: 'image/webp' },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(s.parts.cache.counters.renders).toBe(1);
    const first = responses[0]?.body ?? Buffer.alloc(0);
    expect(responses.every((r) => r.body.equals(first))).toBe(true);
    const outcomes = responses.map((r) => r.headers['x-rendition-cache']);
    expect(outcomes.filter((o) => o === 'miss')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'coalesced').length).toBeGreaterThan(0);
    expect(await readdir(join(s.config.roots.cacheRoot, 'big.jpg/thumbnail'))).toEqual([
      '320x320.webp',
    ]);
    expect(await readdir(join(s.config.roots.cacheRoot, TEMP_DIR_NAME))).toEqual([]);
  });

  it('renders different formats of one size separately', async () => {
    server = await startTestServer();
    await server.putOriginal('a.jpg', await jpegImage(600, 400));
    const s = server;
    await Promise.all(
      ['image/avif', 'image/webp', '*/*'].map((accept) =>
        rawRequest(s.url, '/media/a.jpg/thumbnail/180x180', { headers: { Accept: accept } }),
      ),
    );
    expect(s.parts.cache.counters.renders).toBe(3);
    expect((await readdir(join(s.config.roots.cacheRoot, 'a.jpg/thumbnail'))).sort()).toEqual([
      '180x180.avif',
      '180x180.fallback.jpg',
      '180x180.webp',
    ]);
  });
});

describe('temp files', () => {
  it('removes leftovers of a killed process at start', async () => {
    const { dir, config } = await makeTestConfig();
    const tempDir = join(config.roots.cacheRoot, TEMP_DIR_NAME);
    await mkdir(tempDir, { recursive: true });
    // pid 2^22+1 is above Linux's pid_max: certainly not running.
    await writeFile(join(tempDir, '4194305-deadbeef.tmp'), 'partial');
    await writeFile(join(tempDir, `${process.pid}-cafe.tmp`), 'partial');
    const running = await startServer(config, { logError: () => {} });
    try {
      expect(await readdir(tempDir)).toEqual([]);
    } finally {
      await running.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('hot cache', () => {
  it('serves hits from memory, and notices a file removed behind its back', async () => {
    server = await startTestServer();
    await server.putOriginal('a.jpg', await jpegImage(600, 400));
    const target = '/media/a.jpg/crop/220x220.jpg';
    const file = join(server.config.roots.cacheRoot, 'a.jpg/crop/220x220.jpg');
    expect((await rawRequest(server.url, target)).headers['x-rendition-cache']).toBe('miss');
    // A miss is not kept in memory (most are never asked for again): gone from disk, gone.
    await rm(file);
    expect((await rawRequest(server.url, target)).headers['x-rendition-cache']).toBe('miss');
    // Its first hit reads the disk and promotes it to memory.
    expect((await rawRequest(server.url, target)).headers['x-rendition-cache']).toBe('hit');
    await rm(file);
    // Within the revalidation window the memory copy still answers …
    expect((await rawRequest(server.url, target)).headers['x-rendition-cache']).toBe('hit');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // … after it, the missing file is noticed and the rendition is rendered again.
    const again = await rawRequest(server.url, target);
    expect(again.headers['x-rendition-cache']).toBe('miss');
    expect((await stat(file)).size).toBe(again.body.length);
  });

  it('answers plain GETs from memory with the headers of the full path', async () => {
    server = await startTestServer();
    await server.putOriginal('a.jpg', await jpegImage(600, 400));
    const s = server;
    const headersOf = async (
      target: string,
      init: { method?: string; accept?: string; ifNoneMatch?: string },
    ) => {
      const response = await rawRequest(s.url, target, {
        method: init.method ?? 'GET',
        headers: {
          ...(init.accept === undefined ? {} : { Accept: init.accept }),
          ...(init.ifNoneMatch === undefined ? {} : { 'If-None-Match': init.ifNoneMatch }),
        },
      });
      const {
        date: _date,
        connection: _connection,
        'keep-alive': _keepAlive,
        ...rest
      } = response.headers;
      return { status: response.status, headers: rest, bytes: response.body.length };
    };
    for (const [target, accept, vary] of [
      ['/media/a.jpg/crop/220x220.jpg', undefined, undefined],
      ['/media/a.jpg/thumbnail/180x180', 'image/webp,*/*', 'Accept'],
      ['/media/a.jpg/thumbnail/180x180', '*/*', 'Accept'],
    ] as const) {
      await rawRequest(s.url, target, { headers: accept === undefined ? {} : { Accept: accept } });
      const full = await headersOf(target, { accept, ifNoneMatch: '"not-it"' }); // promotes
      const hot = await headersOf(target, { accept });
      const head = await headersOf(target, { accept, method: 'HEAD' });
      expect(full.status).toBe(200);
      expect(hot).toEqual({ ...full, bytes: full.bytes });
      expect(head.headers).toEqual(hot.headers);
      expect(hot.headers['x-rendition-cache']).toBe('hit');
      expect(hot.headers.vary).toBe(vary);
      expect(Number(hot.headers['content-length'])).toBe(hot.bytes);
      // A conditional request on a held file still gets nginx's 304.
      const etag = String(hot.headers.etag);
      expect((await headersOf(target, { accept, ifNoneMatch: etag })).status).toBe(304);
    }
  });

  it('streams files larger than the hot-cache file limit from disk', async () => {
    server = await startTestServer({ HOT_CACHE_FILE_BYTES: '100' });
    await server.putOriginal('a.jpg', await jpegImage(600, 400));
    const target = '/media/a.jpg/crop/320x320.png';
    const miss = await rawRequest(server.url, target);
    const hit = await rawRequest(server.url, target);
    expect(hit.headers['x-rendition-cache']).toBe('hit');
    expect(hit.body.equals(miss.body)).toBe(true);
    expect(hit.headers['content-length']).toBe(String(miss.body.length));
    expect(await inspect(hit.body)).toMatchObject({ format: 'png', width: 320, height: 320 });
    // Read from disk every time: a changed file shows at once (memory would hide it for 1 s).
    const replaced = await sharp({
      create: { width: 5, height: 5, channels: 3, background: '#0f0' },
    })
      .png()
      .toBuffer();
    await writeFile(join(server.config.roots.cacheRoot, 'a.jpg/crop/320x320.png'), replaced);
    const fresh = await rawRequest(server.url, target);
    expect(fresh.body.equals(replaced)).toBe(true);
  });
});

describe('render deadline', () => {
  it('answers 503 RENDER_TIMEOUT when a render runs too long, and caches it when it ends', async () => {
    // AVIF of a big noisy image takes seconds; libvips' own timeout never fires while it encodes.
    server = await startTestServer({
      RENDER_TIMEOUT_MS: '100',
      AVIF_EFFORT: '3',
      ARBITRARY_SIZES: 'true',
    });
    await server.putOriginal('big.jpg', await noiseJpeg());
    const s = server;
    const target = '/media/big.jpg/thumbnail/1200x1200.avif';
    const slow = await rawRequest(s.url, target);
    expect(slow.status).toBe(503);
    expect(slow.headers['retry-after']).toBe('5');
    expect(errorOf(slow).code).toBe('RENDER_TIMEOUT');
    // The render went on in its slot and landed in the cache.
    const file = join(s.config.roots.cacheRoot, 'big.jpg/thumbnail/1200x1200.avif');
    for (
      let i = 0;
      i < 600 &&
      !(await stat(file).then(
        () => true,
        () => false,
      ));
      i += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const later = await rawRequest(s.url, target);
    expect(later.status).toBe(200);
    expect(later.headers['x-rendition-cache']).toBe('hit');
    expect(await inspect(later.body)).toMatchObject({ format: 'avif', width: 1200, height: 800 });
  }, 90_000);
});

describe('overload', () => {
  it('answers 503 with Retry-After when the render queue is full, and recovers', async () => {
    server = await startTestServer({
      RENDER_CONCURRENCY: '1',
      RENDER_QUEUE: '0',
      ARBITRARY_SIZES: 'true',
    });
    await server.putOriginal('big.jpg', await noiseJpeg());
    const s = server;
    const responses = await Promise.all(
      [301, 302, 303, 304, 305, 306].map((w) =>
        rawRequest(s.url, `/media/big.jpg/thumbnail/${w}x${w}.jpg`),
      ),
    );
    const refused = responses.filter((r) => r.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(responses.some((r) => r.status === 200)).toBe(true);
    for (const response of refused) {
      expect(response.headers['retry-after']).toBe('1');
      expect(errorOf(response).code).toBe('OVERLOADED');
    }
    const cached = await readdir(join(s.config.roots.cacheRoot, 'big.jpg/thumbnail'));
    expect(cached).toHaveLength(responses.length - refused.length);
    expect((await rawRequest(s.url, '/media/big.jpg/thumbnail/301x301.jpg')).status).toBe(200);
  });
});
