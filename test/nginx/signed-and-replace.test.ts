// A real nginx (the shipped template) in front of the real server: signed ad-hoc sizes are
// rendered by Node on a miss and served by nginx from then on; bad signatures are 403 JSON;
// replacing an original is seen at once through nginx (new pixels, new ETag, no old file).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRenditionUrl } from '../../src/index.js';
import { renditionFilesOf, solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { errorOf, type RawRequest, rawRequest } from '../helpers/http.js';
import { BLUE, colourAt, inspect, jpegImage, near, RED } from '../helpers/images.js';
import { skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';

// Throws when CI is set and nginx is missing: CI never passes by skipping these.
const skip = skipWithoutNginx();

const KEY = 'nginx-signing-key-0123456789abcdef0123';

type Stack = NginxStack;
const startStack = startNginxStack;
const disposeStack = disposeNginxStack;

function via(target: { port: number }, path: string, options: RawRequest = {}) {
  return rawRequest(`http://127.0.0.1:${target.port}`, path, options);
}

describe.skipIf(skip)('nginx: signed URLs', () => {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack({ SIGNING_KEYS: KEY });
    await stack.server.putOriginal('s/cat.jpg', await jpegImage(800, 600));
  });
  afterAll(() => disposeStack(stack));

  const url = '/media/s/cat.jpg/crop/500x300.jpg';

  it('answers a missing or bad signature with 403 JSON from Node, writing nothing', async () => {
    const { nginx, server } = stack as Stack;
    const signed = signRenditionUrl(url, KEY);
    const bad = `${signed.slice(0, -2)}${signed.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const target of [url, bad, signRenditionUrl(url, 'another-key-0123456789abcdef0123456')]) {
      const reply = await via(nginx, target);
      expect(reply.status, target).toBe(403);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(errorOf(reply).code).toBe('BAD_SIGNATURE');
    }
    expect(await renditionFilesOf(server.config.roots.cacheRoot, 's/cat.jpg')).toEqual([]);
  });

  it('renders a signed miss via Node, then nginx serves the same file with Node stopped', async () => {
    const { nginx, server } = stack as Stack;
    const signed = signRenditionUrl(url, KEY);
    const miss = await via(nginx, signed);
    expect(miss.status).toBe(200);
    expect(await inspect(miss.body)).toMatchObject({ width: 500, height: 300, format: 'jpeg' });
    // The signature did not change the cache file: the path the URL maps to.
    expect(await renditionFilesOf(server.config.roots.cacheRoot, 's/cat.jpg')).toEqual([
      'crop/500x300.jpg',
    ]);

    await server.close();
    await expect(via(server, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
    const hit = await via(nginx, signed);
    expect(hit.status).toBe(200);
    expect(hit.body.equals(miss.body)).toBe(true);
    expect(hit.headers.etag).toBe(miss.headers.etag);
    // nginx cannot check HMACs: a cached signed rendition is served by its path (docs/signed-urls.md).
    const unsigned = await via(nginx, url);
    expect(unsigned.status).toBe(200);
    expect(unsigned.body.equals(miss.body)).toBe(true);
    // Another signed size is a miss, and Node is gone: proof the hits above came from nginx.
    const otherMiss = await via(nginx, signRenditionUrl('/media/s/cat.jpg/crop/501x300.jpg', KEY));
    expect(otherMiss.status).toBe(502);
  });
});

describe.skipIf(skip)('nginx: replacing an original', () => {
  let stack: Stack | undefined;
  beforeAll(async () => {
    // Uploads go through nginx: the admin routes are forwarded (to loopback clients).
    stack = await startStack({}, { expose: ['admin'] });
  });
  afterAll(() => disposeStack(stack));

  it('serves the new renditions at once: new pixels, new ETag, no old file left', async () => {
    const { nginx, server } = stack as Stack;
    const path = 'r/pic.jpg';
    const token = server.adminToken.token;
    const front = `http://127.0.0.1:${nginx.port}`;
    await uploadOriginal(front, token, await solidJpeg(400, 300, RED), path, { warm: 'image' });
    const urls = ['/media/r/pic.jpg/thumbnail/180x180', '/media/r/pic.jpg/thumbnail/320x320'];
    const accept = { Accept: 'image/webp,*/*' };
    const before: Record<string, string> = {};
    for (const url of urls) {
      // Warmed: nginx serves these from disk (twice, as a browser and a CDN would).
      for (let i = 0; i < 2; i += 1) {
        const reply = await via(nginx, url, { headers: accept });
        expect(reply.status, url).toBe(200);
        expect(near(await colourAt(reply.body, 0.5, 0.5), RED)).toBe(true);
        before[url] = String(reply.headers.etag);
      }
    }
    const oldFiles = await renditionFilesOf(server.config.roots.cacheRoot, path);
    expect(oldFiles.length).toBeGreaterThan(0);

    await uploadOriginal(front, token, await solidJpeg(400, 300, BLUE), path, { replace: true });
    expect(await renditionFilesOf(server.config.roots.cacheRoot, path)).toEqual([]);

    for (const url of urls) {
      const reply = await via(nginx, url, {
        headers: { ...accept, 'If-None-Match': before[url] ?? '' },
      });
      expect(reply.status, url).toBe(200);
      expect(near(await colourAt(reply.body, 0.5, 0.5), BLUE), url).toBe(true);
      expect(reply.headers.etag).not.toBe(before[url]);
    }
    // The new files are what nginx serves from now on, with Node stopped.
    await server.close();
    for (const url of urls) {
      const reply = await via(nginx, url, { headers: accept });
      expect(reply.status, url).toBe(200);
      expect(near(await colourAt(reply.body, 0.5, 0.5), BLUE), url).toBe(true);
    }
  });
});
