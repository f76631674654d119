// Animated originals through the shipped nginx config: the GIF fallback and explicit
// formats are nginx hits once rendered; an AVIF client's animated WebP comes from Node's
// cache (nginx cannot know the original is animated: docs/urls.md#animated-images).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renditionFilesOf } from '../helpers/admin-upload.js';
import { errorOf, rawRequest } from '../helpers/http.js';
import { animation, BLUE, framesOf, GREEN, RED } from '../helpers/images.js';
import { skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';

const skip = skipWithoutNginx();
const CHROME = 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8';

describe.skipIf(skip)('nginx: animated originals', () => {
  let stack: NginxStack | undefined;
  const s = (): NginxStack => {
    if (stack === undefined) throw new Error('stack not started');
    return stack;
  };
  const via = (path: string, accept?: string) =>
    rawRequest(`http://127.0.0.1:${s().nginx.port}`, path, {
      headers: accept === undefined ? {} : { Accept: accept },
    });

  beforeAll(async () => {
    stack = await startNginxStack({ ARBITRARY_SIZES: 'true', MAX_ANIMATION_PIXELS: '60000' });
    await stack.server.putOriginal('a.gif', await animation(160, 120, [RED, GREEN, BLUE], 'gif'));
    await stack.server.putOriginal(
      'big.gif',
      await animation(160, 120, [RED, GREEN, BLUE, RED], 'gif'),
    );
  });
  afterAll(() => disposeNginxStack(stack));

  it.each([
    ['/media/a.gif/thumbnail/80x80', undefined, 'image/gif', 3],
    ['/media/a.gif/crop/60x60.gif', CHROME, 'image/gif', 3],
    ['/media/a.gif/filters/blur/thumbnail/80x80.webp', undefined, 'image/webp', 3],
    ['/media/a.gif/filters/still/thumbnail/80x80', CHROME, 'image/avif', 1],
    ['/media/a.gif/filters/still/grayscale', undefined, 'image/png', 1],
  ])('%s (Accept %s): rendered by Node, then an nginx hit', async (url, accept, type, frames) => {
    const miss = await via(url, accept);
    expect(miss.status, miss.body.toString()).toBe(200);
    expect(miss.headers['x-rendition-cache']).toBe('miss');
    expect(miss.headers['content-type']).toBe(type);
    expect((await framesOf(miss.body)).frames).toBe(frames);
    const hit = await via(url, accept);
    expect(hit.headers['x-rendition-cache']).toBeUndefined();
    expect(hit.headers['content-type']).toBe(type);
    expect(hit.body.equals(miss.body)).toBe(true);
  });

  it('answers an AVIF client with animated WebP from Node, a WebP client from nginx', async () => {
    const url = '/media/a.gif/pad/90x90';
    const avif = await via(url, CHROME);
    expect(avif.headers['content-type']).toBe('image/webp');
    expect(avif.headers.vary).toBe('Accept');
    expect(await framesOf(avif.body)).toMatchObject({ frames: 3, width: 90, height: 90, loop: 2 });
    const again = await via(url, CHROME);
    expect(again.headers['x-rendition-cache']).toBe('hit');
    expect(again.body.equals(avif.body)).toBe(true);
    const webp = await via(url, 'image/webp,*/*');
    expect(webp.headers['x-rendition-cache']).toBeUndefined();
    expect(webp.body.equals(avif.body)).toBe(true);
    expect(await renditionFilesOf(s().server.config.roots.cacheRoot, 'a.gif')).toContain(
      'pad/90x90.webp',
    );
  });

  it('refuses an animation past MAX_ANIMATION_PIXELS with 422 JSON, writing nothing', async () => {
    const reply = await via('/media/big.gif/thumbnail/80x80', CHROME);
    expect(reply.status).toBe(422);
    expect(errorOf(reply).code).toBe('ANIMATION_TOO_LARGE');
    expect(await renditionFilesOf(s().server.config.roots.cacheRoot, 'big.gif')).toEqual([]);
  });
});
