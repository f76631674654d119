// The info endpoint and the fallback image behind a real nginx (the shipped template):
// both always reach Node, and a fallback never leaves a file nginx would serve for the
// missing URL; the fallback's own renditions are plain cache hits.

import { existsSync } from 'node:fs';
import { readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/http.js';
import { colourAt, GREEN, inspect, jpegImage, near, pngImage, RED } from '../helpers/images.js';
import { type RunningNginx, skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';
import type { TestServer } from '../helpers/server.js';

// Throws when CI is set and nginx is missing: CI never passes by skipping these.
const skip = skipWithoutNginx();
const FALLBACK = 'static/missing.png';
const MISSING = '/media/gone/photo.jpg/thumbnail/100x100.png';

describe.skipIf(skip)('nginx: info and fallback image reach Node', () => {
  let stack: NginxStack | undefined;
  let server: TestServer;
  let nginx: RunningNginx;
  const viaNginx = (path: string, headers: Record<string, string> = {}) =>
    rawRequest(nginx.url, path, { headers });

  beforeAll(async () => {
    stack = await startNginxStack({ FALLBACK_IMAGE: FALLBACK, ALLOWED_SIZES: '100x100' });
    ({ server, nginx } = stack);
    await server.putOriginal(
      FALLBACK,
      await sharp({ create: { width: 400, height: 300, channels: 3, background: GREEN } })
        .png()
        .toBuffer(),
    );
    await server.putOriginal('a.jpg', await jpegImage(400, 300));
    // A file literally named `info` where an info URL points: nginx must not serve it.
    await server.putOriginal('dir/info', await pngImage(10, 10));
  });
  afterAll(async () => {
    await disposeNginxStack(stack);
  });

  it('answers info from Node, the same JSON as Node', async () => {
    const fromNginx = await viaNginx('/media/a.jpg/info');
    const fromNode = await rawRequest(server.url, '/media/a.jpg/info');
    expect(fromNginx.status).toBe(200);
    expect(fromNginx.headers['content-type']).toMatch(/^application\/json/);
    expect(fromNginx.headers['cache-control']).toBe('no-cache');
    expect(JSON.parse(fromNginx.body.toString())).toEqual(JSON.parse(fromNode.body.toString()));
    expect(JSON.parse(fromNginx.body.toString())).toMatchObject({ width: 400, height: 300 });
    // No cache file can answer it: nothing was written for it either.
    expect(existsSync(join(server.config.roots.cacheRoot, 'a.jpg/info'))).toBe(false);
  });

  it('never serves a file named info in place of an info answer', async () => {
    const reply = await viaNginx('/media/dir/info');
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(reply.body.toString())).toMatchObject({
      error: { code: 'ORIGINAL_NOT_FOUND' },
    });
  });

  it('sends a missing original to Node every time and caches nothing under its path', async () => {
    for (let round = 0; round < 2; round += 1) {
      const reply = await viaNginx(MISSING);
      expect(reply.status).toBe(404);
      expect(reply.headers['content-type']).toBe('image/png');
      expect(reply.headers['cache-control']).toBe('no-store');
      // Node's own header: nginx proxied the request, it did not find a file.
      expect(reply.headers['x-rendition-cache']).toBeDefined();
      expect(await inspect(reply.body)).toMatchObject({ width: 100, height: 75 });
      expect(near(await colourAt(reply.body, 0.5, 0.5), GREEN)).toBe(true);
    }
    const files = await readdir(server.config.roots.cacheRoot, { recursive: true });
    expect(files.filter((name) => name.startsWith('gone'))).toEqual([]);
    expect(files).toContain('static/missing.png/thumbnail/100x100.png');
  });

  it('serves the fallback’s own rendition from disk, as a plain hit', async () => {
    const reply = await viaNginx('/media/static/missing.png/thumbnail/100x100.png');
    expect(reply.status).toBe(200);
    expect(reply.headers['x-rendition-cache']).toBeUndefined();
    expect(reply.headers['cache-control']).toMatch(/max-age/);
  });

  it('shows the real image once the original exists (nothing stale in between)', async () => {
    await server.putOriginal('gone/photo.jpg', await jpegImage(400, 300));
    const reply = await viaNginx(MISSING);
    expect(reply.status).toBe(200);
    // Rendered now by Node from the real original (red on its left), not the green fallback.
    expect(reply.headers['x-rendition-cache']).toBe('miss');
    expect(near(await colourAt(reply.body, 0.3, 0.6), RED)).toBe(true);
    // Now cached under its own path, and the next request is nginx's own hit.
    const hit = await viaNginx(MISSING);
    expect(hit.status).toBe(200);
    expect(hit.headers['x-rendition-cache']).toBeUndefined();
  });

  it('reaches Node for info: 502 once Node is stopped', async () => {
    await server.close();
    const reply = await viaNginx('/media/a.jpg/info');
    expect(reply.status).toBe(502);
  });
});

describe.skipIf(skip)('nginx: symlinks', () => {
  let stack: NginxStack | undefined;
  let server: TestServer;
  let nginx: RunningNginx;

  beforeAll(async () => {
    stack = await startNginxStack({ ALLOWED_SIZES: '100x100' });
    ({ server, nginx } = stack);
  });
  afterAll(async () => {
    await disposeNginxStack(stack);
  });

  it('never follows a symlink in MEDIA_ROOT that leads outside it', async () => {
    const outside = join(server.dir, 'outside-secret.jpg');
    await writeFile(outside, await jpegImage(40, 30));
    await symlink(outside, join(server.config.roots.mediaRoot, 'leak.jpg'));
    for (const url of ['/media/leak.jpg', '/media/leak.jpg/thumbnail/100x100.jpg']) {
      const reply = await rawRequest(nginx.url, url);
      expect(reply.status, url).toBe(400);
      expect(JSON.parse(reply.body.toString())).toMatchObject({ error: { code: 'BAD_PATH' } });
    }
    expect(await readdir(server.config.roots.cacheRoot)).not.toContain('leak.jpg');
  });
});
