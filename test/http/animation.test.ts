// Animated originals over real HTTP: negotiation (AVIF clients get animated WebP, from one
// cache file), the GIF fallback, `still`, and MAX_ANIMATION_PIXELS refusals writing nothing.

import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, rawRequest } from '../helpers/http.js';
import { animation, BLUE, framesOf, GREEN, near, RED } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CHROME = 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8';
const COLOURS = [RED, GREEN, BLUE];
let server: TestServer;

beforeAll(async () => {
  // 3 frames of 160x120 = 57 600 pixels; big.gif (4 frames) is past the cap.
  server = await startTestServer({ MAX_ANIMATION_PIXELS: '60000', ARBITRARY_SIZES: 'true' });
  await server.putOriginal('anim/a.gif', await animation(160, 120, COLOURS, 'gif'));
  await server.putOriginal('anim/a.webp', await animation(160, 120, COLOURS, 'webp'));
  await server.putOriginal('anim/big.gif', await animation(160, 120, [...COLOURS, RED], 'gif'));
});
afterAll(async () => {
  await server.dispose();
});

const get = (target: string, accept?: string) =>
  rawRequest(server.url, target, { headers: accept === undefined ? {} : { Accept: accept } });
const cacheFiles = async (path: string) =>
  (await readdir(join(server.config.roots.cacheRoot, path), { recursive: true }).catch(() => []))
    .map(String)
    .filter((name) => name.includes('.'))
    .sort();

describe('animated originals over HTTP', () => {
  it('answers an AVIF client with animated WebP, and serves it from the one cache file', async () => {
    const first = await get('/media/anim/a.gif/thumbnail/80x80', CHROME);
    expect(first.status, first.body.toString()).toBe(200);
    expect(first.headers['content-type']).toBe('image/webp');
    expect(first.headers.vary).toBe('Accept');
    const frames = await framesOf(first.body);
    expect(frames).toMatchObject({
      frames: 3,
      width: 80,
      height: 60,
      delay: [100, 200, 300],
      loop: 2,
    });
    COLOURS.forEach((c, i) => {
      expect(near(frames.colourAt(i, 0.2, 0.5), c)).toBe(true);
    });
    expect(await cacheFiles('anim/a.gif')).toEqual(['thumbnail/80x80.webp']);

    const again = await get('/media/anim/a.gif/thumbnail/80x80', CHROME);
    expect(again.headers['x-rendition-cache']).toBe('hit');
    expect(again.body.equals(first.body)).toBe(true);
    // A WebP client gets the same file.
    const webp = await get('/media/anim/a.gif/thumbnail/80x80', 'image/webp');
    expect(webp.headers['x-rendition-cache']).toBe('hit');
    expect(webp.body.equals(first.body)).toBe(true);
    expect(await cacheFiles('anim/a.gif')).toEqual(['thumbnail/80x80.webp']);
  });

  it('keeps an animated GIF a GIF for a client that accepts neither AVIF nor WebP', async () => {
    const reply = await get('/media/anim/a.gif/crop/60x60');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('image/gif');
    expect(await framesOf(reply.body)).toMatchObject({ format: 'gif', frames: 3, width: 60 });
    expect(
      existsSync(join(server.config.roots.cacheRoot, 'anim/a.gif/crop/60x60.fallback.gif')),
    ).toBe(true);
  });

  it('writes .gif on request, animated from an animated WebP', async () => {
    const reply = await get('/media/anim/a.webp/thumbnail/80x80.gif', CHROME);
    expect(reply.headers['content-type']).toBe('image/gif');
    expect(await framesOf(reply.body)).toMatchObject({ frames: 3, delay: [100, 200, 300] });
  });

  it('answers `still` with the first frame, in AVIF for an AVIF client', async () => {
    const reply = await get('/media/anim/a.gif/filters/still/thumbnail/80x80', CHROME);
    expect(reply.headers['content-type']).toBe('image/avif');
    const frames = await framesOf(reply.body);
    expect(frames).toMatchObject({ frames: 1, width: 80, height: 60 });
    expect(near(frames.colourAt(0, 0.2, 0.5), RED)).toBe(true);
    const plain = await get('/media/anim/a.gif/filters/still/thumbnail/80x80');
    expect(plain.headers['content-type']).toBe('image/png');
  });

  it('refuses an animation past MAX_ANIMATION_PIXELS with 422, writing nothing', async () => {
    for (const target of [
      '/media/anim/big.gif/thumbnail/80x80',
      '/media/anim/big.gif/thumbnail/80x80.gif',
    ]) {
      const reply = await get(target, CHROME);
      expect(reply.status, target).toBe(422);
      expect(errorOf(reply).code).toBe('ANIMATION_TOO_LARGE');
      expect(errorOf(reply).message).toMatch(/MAX_ANIMATION_PIXELS/);
    }
    expect(await cacheFiles('anim/big.gif')).toEqual([]);
    // Its first frame is fine.
    const still = await get('/media/anim/big.gif/filters/still/thumbnail/80x80.webp');
    expect(still.status).toBe(200);
  });

  it('refuses a filter list with `still` out of order', async () => {
    const reply = await get('/media/anim/a.gif/filters/blur/still/thumbnail/80x80');
    expect(reply.status).toBe(400);
    expect(errorOf(reply).message).toMatch(/in the order still, blur/);
  });
});
