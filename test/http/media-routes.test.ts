// The public routes over real HTTP on 127.0.0.1: originals, renditions, headers, errors.

import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etagFor } from '../../src/cache/validators.js';
import { errorOf, rawRequest } from '../helpers/http.js';
import { inspect, jpegImage, pngWithAlpha } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const AVIF_ACCEPT = 'image/avif,image/webp,image/apng,*/*;q=0.8';
let server: TestServer;
let jpeg: Buffer;

beforeAll(async () => {
  server = await startTestServer({ ALLOWED_SIZES: '350x350' });
  jpeg = await jpegImage(1200, 800);
  await server.putOriginal('photos/cat.jpg', jpeg);
  await server.putOriginal('photos/alpha.png', await pngWithAlpha(300, 300));
  await server.putOriginal('фото/кот.jpg', jpeg);
});
afterAll(async () => {
  await server.dispose();
});

const get = (target: string, headers: Record<string, string> = {}) =>
  rawRequest(server.url, target, { headers });
const cacheFile = (relative: string) => join(server.config.roots.cacheRoot, relative);

describe('originals', () => {
  it('serves the bytes with nginx-format validators', async () => {
    const response = await get('/media/photos/cat.jpg');
    expect(response.status).toBe(200);
    expect(response.body.equals(jpeg)).toBe(true);
    const file = await stat(join(server.config.roots.mediaRoot, 'photos/cat.jpg'));
    expect(response.headers).toMatchObject({
      'content-type': 'image/jpeg',
      'content-length': String(jpeg.length),
      etag: etagFor(file.mtimeMs, file.size),
      'last-modified': new Date(Math.floor(file.mtimeMs / 1000) * 1000).toUTCString(),
      'cache-control': 'public, max-age=86400',
      'x-content-type-options': 'nosniff',
    });
    expect(response.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(response.headers.vary).toBeUndefined();
  });

  it('answers HEAD with the same headers and no body', async () => {
    const head = await rawRequest(server.url, '/media/photos/cat.jpg', { method: 'HEAD' });
    const full = await get('/media/photos/cat.jpg');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    for (const name of [
      'content-type',
      'content-length',
      'etag',
      'last-modified',
      'cache-control',
    ]) {
      expect(head.headers[name]).toBe(full.headers[name]);
    }
  });

  it('answers 304 to If-None-Match and If-Modified-Since', async () => {
    const first = await get('/media/photos/cat.jpg');
    const byTag = await get('/media/photos/cat.jpg', { 'If-None-Match': first.headers.etag ?? '' });
    expect(byTag.status).toBe(304);
    expect(byTag.body.length).toBe(0);
    const byDate = await get('/media/photos/cat.jpg', {
      'If-Modified-Since': first.headers['last-modified'] ?? '',
    });
    expect(byDate.status).toBe(304);
    const stale = await get('/media/photos/cat.jpg', { 'If-None-Match': '"0-0"' });
    expect(stale.status).toBe(200);
  });

  it('serves UTF-8 paths', async () => {
    const response = await get(
      `/media/${encodeURIComponent('фото')}/${encodeURIComponent('кот.jpg')}`,
    );
    expect(response.status).toBe(200);
    expect(response.body.equals(jpeg)).toBe(true);
  });

  it('answers 404 as JSON for an unknown original', async () => {
    const response = await get('/media/photos/dog.jpg');
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(errorOf(response)).toEqual({
      code: 'ORIGINAL_NOT_FOUND',
      message: 'No original at "photos/dog.jpg"',
    });
  });

  it('refuses other methods with 405', async () => {
    const response = await rawRequest(server.url, '/media/photos/cat.jpg', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
    expect(errorOf(response).code).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('renditions', () => {
  it('renders a miss once, writes it where the layout says, then serves the hit', async () => {
    const miss = await get('/media/photos/cat.jpg/thumbnail/180x180', { Accept: AVIF_ACCEPT });
    expect(miss.status).toBe(200);
    expect(miss.headers['x-rendition-cache']).toBe('miss');
    expect(miss.headers['content-type']).toBe('image/avif');
    expect(miss.headers.vary).toBe('Accept');
    expect(await inspect(miss.body)).toMatchObject({ format: 'avif', width: 180, height: 120 });

    const file = await stat(cacheFile('photos/cat.jpg/thumbnail/180x180.avif'));
    expect(file.size).toBe(miss.body.length);
    expect(miss.headers.etag).toBe(etagFor(file.mtimeMs, file.size));

    const hit = await get('/media/photos/cat.jpg/thumbnail/180x180', { Accept: AVIF_ACCEPT });
    expect(hit.headers['x-rendition-cache']).toBe('hit');
    expect(hit.body.equals(miss.body)).toBe(true);
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(hit.headers['last-modified']).toBe(miss.headers['last-modified']);
    const revalidated = await get('/media/photos/cat.jpg/thumbnail/180x180', {
      Accept: AVIF_ACCEPT,
      'If-None-Match': miss.headers.etag ?? '',
    });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.vary).toBe('Accept');
  });

  it.each([
    ['image/webp,*/*', 'image/webp', 'webp', '180x180.webp'],
    ['*/*', 'image/jpeg', 'jpeg', '180x180.fallback.jpg'],
    ['', 'image/jpeg', 'jpeg', '180x180.fallback.jpg'],
  ])('negotiates Accept %j to %s', async (accept, type, format, name) => {
    const response = await get(
      '/media/photos/cat.jpg/thumbnail/180x180',
      accept === '' ? {} : { Accept: accept },
    );
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.headers.vary).toBe('Accept');
    expect((await inspect(response.body)).format).toBe(format);
    expect((await stat(cacheFile(`photos/cat.jpg/thumbnail/${name}`))).size).toBe(
      response.body.length,
    );
  });

  it('keeps a PNG with alpha as PNG when negotiation falls back', async () => {
    const response = await get('/media/photos/alpha.png/thumbnail/180x180');
    expect(response.headers['content-type']).toBe('image/png');
    expect(await inspect(response.body)).toMatchObject({
      format: 'png',
      hasAlpha: true,
      width: 180,
      height: 180,
    });
    await stat(cacheFile('photos/alpha.png/thumbnail/180x180.fallback.png'));
  });

  it.each([
    ['crop/320x320.webp', 'image/webp', 320, 320],
    ['crop/320x320.jpg', 'image/jpeg', 320, 320],
    ['thumbnail/320x320.png', 'image/png', 320, 213],
    ['thumbnail/350x350.avif', 'image/avif', 350, 233],
    ['filters/grayscale/crop/220x220.jpg', 'image/jpeg', 220, 220],
  ])('serves the explicit %s without Vary', async (tail, type, width, height) => {
    const response = await get(`/media/photos/cat.jpg/${tail}`, { Accept: AVIF_ACCEPT });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.headers.vary).toBeUndefined();
    expect(await inspect(response.body)).toMatchObject({ width, height });
    await stat(cacheFile(`photos/cat.jpg/${tail}`));
  });

  it('serves a filters-only rendition at the original size', async () => {
    const response = await get('/media/photos/cat.jpg/filters/invert', { Accept: 'image/webp' });
    expect(response.headers['content-type']).toBe('image/webp');
    expect(await inspect(response.body)).toMatchObject({ width: 1200, height: 800 });
    await stat(cacheFile('photos/cat.jpg/filters/invert.webp'));
  });

  it('renders a rendition of a UTF-8 path', async () => {
    const response = await get(
      `/media/${encodeURIComponent('фото')}/${encodeURIComponent('кот.jpg')}/crop/220x220.png`,
    );
    expect(response.status).toBe(200);
    await stat(cacheFile('фото/кот.jpg/crop/220x220.png'));
  });
});

describe('refusals render and write nothing', () => {
  it.each([
    ['/media/photos/cat.jpg/thumbnail/351x351', 400, 'SIZE_NOT_ALLOWED'],
    ['/media/photos/cat.jpg/crop/100000x1', 400, 'BAD_RENDITION_URL'],
    ['/media/photos/cat.jpg/thumbnail/0180x180', 400, 'BAD_RENDITION_URL'],
    ['/media/photos/cat.jpg/thumbnail/180x180.tiff', 400, 'BAD_RENDITION_URL'],
    ['/media/photos/cat.jpg/thumbnail/0x0', 400, 'BAD_RENDITION_URL'],
    ['/media/photos/cat.jpg/filters/blur/blur', 400, 'BAD_RENDITION_URL'],
    ['/media/photos/dog.jpg/thumbnail/180x180', 404, 'ORIGINAL_NOT_FOUND'],
    ['/media/photos/cat.jpg/resize/180x180', 404, 'ORIGINAL_NOT_FOUND'],
  ])('%s -> %i %s', async (target, status, code) => {
    const before = await listCache();
    const response = await get(target);
    expect(response.status).toBe(status);
    expect(errorOf(response).code).toBe(code);
    expect(response.body.toString()).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(await listCache()).toEqual(before);
  });
});

async function listCache(): Promise<string[]> {
  const entries = await readdir(server.config.roots.cacheRoot, { recursive: true });
  return entries.sort();
}

describe('a source that is not an image', () => {
  it('is refused with 415 and nothing is cached', async () => {
    await writeFile(join(server.config.roots.mediaRoot, 'fake.jpg'), '<script>alert(1)</script>');
    const response = await get('/media/fake.jpg/thumbnail/180x180.jpg');
    expect(response.status).toBe(415);
    expect(errorOf(response).code).toBe('UNSUPPORTED_IMAGE');
    await expect(stat(cacheFile('fake.jpg'))).rejects.toThrow(/ENOENT/);
    expect(server.unexpectedErrors).toEqual([]);
  });

  it('is remembered as refused until the file changes', async () => {
    await writeFile(join(server.config.roots.mediaRoot, 'broken.jpg'), 'not an image at all');
    const before = server.parts.cache.counters.renders;
    for (const size of ['180x180', '220x220', '320x320']) {
      expect((await get(`/media/broken.jpg/thumbnail/${size}.jpg`)).status).toBe(415);
    }
    // One attempt for the three URLs: the others were refused without a render slot.
    expect(server.parts.cache.counters.renders - before).toBe(1);
    await writeFile(join(server.config.roots.mediaRoot, 'broken.jpg'), await jpegImage(300, 200));
    expect((await get('/media/broken.jpg/thumbnail/180x180.jpg')).status).toBe(200);
  });
});
