// The fallback image over real HTTP: a missing original is answered with FALLBACK_IMAGE at
// the requested size, with FALLBACK_STATUS and no-store, cached only under the fallback's own
// path; a later original is seen at once.

import { readdir } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { signRenditionUrl } from '../../src/index.js';
import { errorOf, rawRequest } from '../helpers/http.js';
import { colourAt, GREEN, inspect, jpegImage, near, RED } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const FALLBACK = 'static/missing.png';

function greenPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: GREEN } })
    .png()
    .toBuffer();
}

async function cacheFiles(server: TestServer): Promise<string[]> {
  const names = await readdir(server.config.roots.cacheRoot, { recursive: true }).catch(
    () => [] as string[],
  );
  return names.sort();
}

describe('fallback image, FALLBACK_STATUS=404 (default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ FALLBACK_IMAGE: FALLBACK, ALLOWED_SIZES: '100x100,80x80' });
    await server.putOriginal(FALLBACK, await greenPng(400, 300));
  });
  afterAll(() => server.dispose());

  it('renders the fallback at the requested size, as a 404 with no-store', async () => {
    const reply = await rawRequest(server.url, '/media/gone/photo.jpg/thumbnail/100x100.png');
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('image/png');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(await inspect(reply.body)).toMatchObject({ format: 'png', width: 100, height: 75 });
    expect(near(await colourAt(reply.body, 0.5, 0.5), GREEN)).toBe(true);
    // Cached under the fallback's own path only: nothing under the missing one.
    const files = await cacheFiles(server);
    expect(files).toContain('static/missing.png/thumbnail/100x100.png');
    expect(files.filter((name) => name.startsWith('gone'))).toEqual([]);
  });

  it('negotiates the format and crops like any rendition', async () => {
    const reply = await rawRequest(server.url, '/media/gone/photo.jpg/crop/80x80', {
      headers: { Accept: 'image/webp,*/*' },
    });
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('image/webp');
    expect(reply.headers.vary).toBe('Accept');
    expect(await inspect(reply.body)).toMatchObject({ format: 'webp', width: 80, height: 80 });
  });

  it('answers the fallback original for a missing original URL', async () => {
    const reply = await rawRequest(server.url, '/media/gone/photo.jpg');
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('image/png');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(await inspect(reply.body)).toMatchObject({ width: 400, height: 300 });
  });

  it('never answers 304 for a fallback, whatever validators the client sends', async () => {
    const first = await rawRequest(server.url, '/media/gone/photo.jpg/thumbnail/100x100.png');
    const again = await rawRequest(server.url, '/media/gone/photo.jpg/thumbnail/100x100.png', {
      headers: {
        'If-None-Match': first.headers.etag ?? '',
        'If-Modified-Since': first.headers['last-modified'] ?? '',
      },
    });
    expect(again.status).toBe(404);
    expect(again.body.length).toBeGreaterThan(0);
  });

  it('keeps every other refusal: a size outside the policy is 400 and renders nothing', async () => {
    const reply = await rawRequest(server.url, '/media/gone/photo.jpg/thumbnail/123x123.png');
    expect(reply.status).toBe(400);
    expect(errorOf(reply).code).toBe('SIZE_NOT_ALLOWED');
    const bad = await rawRequest(server.url, '/media/gone/%2e%2e/x.jpg/thumbnail/100x100.png');
    expect(bad.status).toBe(400);
  });

  it('serves the real image as soon as the original exists', async () => {
    await server.putOriginal('later.jpg', await jpegImage(400, 300));
    const reply = await rawRequest(server.url, '/media/later.jpg/thumbnail/100x100.png');
    expect(reply.status).toBe(200);
    // The real image: red left half, not the green fallback.
    expect(near(await colourAt(reply.body, 0.3, 0.6), RED)).toBe(true);
  });
});

describe('fallback image, FALLBACK_STATUS=200', () => {
  it('answers 200 with no-store', async () => {
    const server = await startTestServer({
      FALLBACK_IMAGE: FALLBACK,
      FALLBACK_STATUS: '200',
      ALLOWED_SIZES: '100x100',
      REQUIRE_REGISTRATION: 'true',
    });
    try {
      await server.putOriginal(FALLBACK, await greenPng(200, 200));
      // Unregistered (REQUIRE_REGISTRATION), so missing; the fallback renders unregistered.
      await server.putOriginal('unregistered.jpg', await jpegImage(300, 300));
      const reply = await rawRequest(server.url, '/media/unregistered.jpg/thumbnail/100x100.png');
      expect(reply.status).toBe(200);
      expect(reply.headers['cache-control']).toBe('no-store');
      expect(near(await colourAt(reply.body, 0.5, 0.5), GREEN)).toBe(true);
      const head = await rawRequest(server.url, '/media/nope.jpg/thumbnail/100x100.png', {
        method: 'HEAD',
      });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
    } finally {
      await server.dispose();
    }
  });

  it('answers the plain 404 when the fallback itself is missing', async () => {
    const server = await startTestServer({ FALLBACK_IMAGE: FALLBACK, ALLOWED_SIZES: '100x100' });
    try {
      const reply = await rawRequest(server.url, '/media/nope.jpg/thumbnail/100x100.png');
      expect(reply.status).toBe(404);
      expect(errorOf(reply).code).toBe('ORIGINAL_NOT_FOUND');
    } finally {
      await server.dispose();
    }
  });
});

describe('fallback settings', () => {
  it.each([
    [{ FALLBACK_IMAGE: '../outside.png' }, 'FALLBACK_IMAGE'],
    [{ FALLBACK_IMAGE: '/etc/passwd' }, 'FALLBACK_IMAGE'],
    [{ FALLBACK_STATUS: '302' }, 'FALLBACK_STATUS'],
  ])('refuses %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(name));
  });

  it('is off by default', () => {
    expect(loadConfig({}).fallback).toEqual({ image: undefined, status: 404 });
  });
});

describe('fallback image with signed URLs', () => {
  const KEY = 'a-signing-key-of-at-least-32-characters!';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      FALLBACK_IMAGE: FALLBACK,
      ALLOWED_SIZES: '100x100',
      SIGNING_KEYS: KEY,
    });
    await server.putOriginal(FALLBACK, await greenPng(400, 300));
    await server.putOriginal('real.jpg', await jpegImage(400, 300));
  });
  afterAll(() => server.dispose());

  it('keeps a valid signature valid, for a real original and for a missing one', async () => {
    for (const [path, status] of [
      ['real.jpg', 200],
      ['gone.jpg', 404],
    ] as const) {
      const url = signRenditionUrl(`/media/${path}/thumbnail/123x77.png`, KEY);
      const reply = await rawRequest(server.url, url);
      expect(reply.status, url).toBe(status);
      expect(await inspect(reply.body)).toMatchObject({ format: 'png', height: 77 });
    }
  });
});
