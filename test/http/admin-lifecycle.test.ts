// Whole lives of images: register + warm + delete leaves nothing, deletes beat in-flight
// renders, the registry survives a restart, and REQUIRE_REGISTRATION gates renders.

import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startServerWithParts } from '../../src/server.js';
import { rawRequest } from '../helpers/http.js';
import { jpegImage, noiseJpeg } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.dispose();
  server = undefined;
});

function call(s: TestServer, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${s.adminToken.token}`);
  return fetch(`${s.url}/admin${path}`, { ...init, headers });
}

function upload(
  s: TestServer,
  bytes: Uint8Array,
  fields: Record<string, string>,
): Promise<Response> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  form.set('file', new Blob([bytes]), 'upload.jpg');
  return call(s, '/images', { method: 'POST', body: form });
}

/** Every file (not directory) below a root, except in-progress temp dirs. */
async function filesIn(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => `${entry.parentPath}/${entry.name}`.slice(root.length + 1))
    .sort();
}

describe('image lifecycle', () => {
  it('registers 20 images with warm, deletes them, and leaves nothing of them behind', async () => {
    server = await startTestServer();
    const s = server;
    const jpeg = await jpegImage(640, 480);
    const paths = Array.from(
      { length: 20 },
      (_, i) => `gallery/${Math.floor(i / 5)}/photo-${i}.jpg`,
    );
    const responses = await Promise.all(
      paths.map((path) => upload(s, jpeg, { path, warm: 'image' })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    // Some renditions outside the key set too, through the public URLs.
    for (const path of paths.slice(0, 5)) {
      expect((await fetch(`${s.url}/media/${path}/crop/180x180.webp`)).status).toBe(200);
      expect((await fetch(`${s.url}/media/${path}/filters/grayscale`)).status).toBe(200);
    }
    const cached = await filesIn(s.config.roots.cacheRoot);
    expect(cached.length).toBe(20 * 9 + 5 * 2);

    const deletes = await Promise.all(
      paths.map((path) => call(s, `/images/${path}`, { method: 'DELETE' })),
    );
    expect(deletes.map((r) => r.status)).toEqual(Array(20).fill(204));
    expect(await filesIn(s.config.roots.mediaRoot)).toEqual([]);
    expect(await filesIn(s.config.roots.cacheRoot)).toEqual([]);
    // Empty directories are tidied away too.
    expect((await readdir(s.config.roots.mediaRoot)).filter((name) => name !== ':tmp')).toEqual([]);
    expect((await readdir(s.config.roots.cacheRoot)).filter((name) => name !== ':tmp')).toEqual([]);
    expect(s.parts.registry.size).toBe(0);
  });

  it('leaves no file behind from renders in flight when the image is deleted', async () => {
    server = await startTestServer({ ARBITRARY_SIZES: 'true', RENDER_CONCURRENCY: '2' });
    const s = server;
    const noise = await noiseJpeg();
    expect((await upload(s, noise, { path: 'slow/big.jpg' })).status).toBe(201);
    const renders = [300, 301, 302, 303, 304, 305, 306, 307].map((w) =>
      rawRequest(s.url, `/media/slow/big.jpg/crop/${w}x${w}.jpg`),
    );
    const warm = call(s, '/images/slow/big.jpg/warm', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ keySets: ['image'] }),
    });
    // The delete comes once rendering has begun (not after a fixed delay: a busy machine is slow).
    await until(() => s.parts.cache.counters.renders > 0, { message: 'no render started' });
    const deleted = await call(s, '/images/slow/big.jpg', { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    await Promise.allSettled([...renders, warm]);
    expect(await filesIn(s.config.roots.cacheRoot)).toEqual([]);
    expect(await filesIn(s.config.roots.mediaRoot)).toEqual([]);
    expect(s.unexpectedErrors).toEqual([]);
  });

  it('shares single-flight between warming and the public URLs', async () => {
    server = await startTestServer();
    const s = server;
    const noise = await noiseJpeg();
    expect((await upload(s, noise, { path: 'shared/big.jpg' })).status).toBe(201);
    const warm = call(s, '/images/shared/big.jpg/warm', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ keySets: ['image'] }),
    });
    // Until the warm has claimed its renditions (not a fixed delay: a busy machine is slow).
    await until(() => s.parts.cache.counters.renders > 0, { message: 'the warm claimed nothing' });
    const publicHit = await rawRequest(s.url, '/media/shared/big.jpg/thumbnail/220x220', {
      headers: { Accept: 'image/webp' },
    });
    expect(publicHit.status).toBe(200);
    expect(publicHit.headers['x-rendition-cache']).toMatch(/^(coalesced|hit)$/);
    expect(
      ((await (await warm).json()) as { warmed: { image: { created: number } } }).warmed.image
        .created,
    ).toBe(9);
    // Nine renditions, rendered once each: the public request did not render its own.
    expect(s.parts.cache.counters.renders).toBe(9);
  });

  it('keeps records and PPOIs across a restart', async () => {
    server = await startTestServer();
    const s = server;
    await upload(s, await jpegImage(300, 200), { path: 'keep/me.jpg' });
    await call(s, '/images/keep/me.jpg', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ppoi: { x: 0.25, y: 0.75 } }),
    });
    await s.close();
    const again = await startServerWithParts(s.config, { logError: () => {} });
    try {
      expect(again.parts.registry.get('keep/me.jpg')?.ppoi).toEqual({ x: 0.25, y: 0.75 });
      expect(again.adminToken.token).toBe(s.adminToken.token);
      expect(again.adminToken.generated).toBe(false);
    } finally {
      await again.close();
    }
  });
});

describe('REQUIRE_REGISTRATION', () => {
  it('renders registered originals only', async () => {
    server = await startTestServer({ REQUIRE_REGISTRATION: 'true' });
    const jpeg = await jpegImage(300, 200);
    await server.putOriginal('dropped.jpg', jpeg);
    const refused = await fetch(`${server.url}/media/dropped.jpg/thumbnail/180x180`);
    expect(refused.status).toBe(404);
    expect(await filesIn(server.config.roots.cacheRoot)).toEqual([]);
    expect((await upload(server, jpeg, { path: 'registered.jpg' })).status).toBe(201);
    expect((await fetch(`${server.url}/media/registered.jpg/thumbnail/180x180`)).status).toBe(200);
  });
});
