// Signed URLs over real HTTP: an ad-hoc size renders only with a valid `?s=` (any of the
// rotated keys), lands at the cache path the unsigned URL maps to, and a missing or bad
// signature is 403 BAD_SIGNATURE JSON with nothing written.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRenditionUrl } from '../../src/index.js';
import { inspect, jpegImage } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const KEY = 'new-signing-key-0123456789abcdef0123';
const OLD_KEY = 'old-signing-key-abcdef0123456789abcd';

async function cacheFiles(server: TestServer): Promise<string[]> {
  const all = await readdir(server.config.roots.cacheRoot, { recursive: true }).catch(() => []);
  return all.filter((name) => /\/(crop|thumbnail)\/[^/]+\.(jpg|png|webp|avif)$/.test(name)).sort();
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

describe('signed URLs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SIGNING_KEYS: `${KEY},${OLD_KEY}`, ALLOWED_SIZES: '100x100' });
    await server.putOriginal('photos/cat.jpg', await jpegImage(800, 600));
  });
  afterAll(() => server.dispose());

  it('refuses an ad-hoc size without a signature or with a bad one: 403, nothing written', async () => {
    const url = '/media/photos/cat.jpg/crop/500x300.jpg';
    const signed = signRenditionUrl(url, KEY);
    const bad = `${signed.slice(0, -1)}${signed.endsWith('A') ? 'B' : 'A'}`;
    const otherSize = `/media/photos/cat.jpg/crop/500x301.jpg?${signed.split('?')[1]}`;
    const wrongKey = signRenditionUrl(url, 'somebody-elses-key-0123456789abcdef');
    for (const [target, message] of [
      [url, /Expected a signature/],
      [`${url}?s=`, /Expected a signature/],
      [bad, /Expected a valid signature/],
      [`${url}?s=not-base64!`, /Expected a valid signature/],
      [otherSize, /Expected a valid signature/],
      [wrongKey, /Expected a valid signature/],
    ] as const) {
      const response = await fetch(`${server.url}${target}`);
      expect(response.status, target).toBe(403);
      const error = await errorOf(response);
      expect(error.code).toBe('BAD_SIGNATURE');
      expect(error.message).toMatch(message);
    }
    expect(await cacheFiles(server)).toEqual([]);
    expect(server.unexpectedErrors).toEqual([]);
  });

  it('renders a signed ad-hoc size, with either key, into the unsigned URL cache path', async () => {
    const url = '/media/photos/cat.jpg/crop/500x300.jpg';
    const response = await fetch(`${server.url}${signRenditionUrl(url, KEY)}`);
    expect(response.status).toBe(200);
    const image = await inspect(Buffer.from(await response.arrayBuffer()));
    expect(image).toMatchObject({ width: 500, height: 300, format: 'jpeg' });
    expect(await cacheFiles(server)).toEqual(['photos/cat.jpg/crop/500x300.jpg']);

    const rotated = '/media/photos/cat.jpg/thumbnail/240x0?v=abc';
    const viaOldKey = await fetch(`${server.url}${signRenditionUrl(rotated, OLD_KEY)}`);
    expect(viaOldKey.status).toBe(200);
    expect(await inspect(Buffer.from(await viaOldKey.arrayBuffer()))).toMatchObject({
      width: 240,
      height: 180,
    });
    // Negotiated (no extension, Accept */*): the fallback file in the original's format.
    expect(await cacheFiles(server)).toContain('photos/cat.jpg/thumbnail/240x0.fallback.jpg');
  });

  it('ignores the signature for sizes the policy allows anyway, and never lifts MAX_WIDTH', async () => {
    const allowed = await fetch(`${server.url}/media/photos/cat.jpg/crop/100x100.jpg?s=garbage`);
    expect(allowed.status).toBe(200);
    const keySet = await fetch(`${server.url}/media/photos/cat.jpg/thumbnail/180x180.jpg`);
    expect(keySet.status).toBe(200);
    const huge = await fetch(
      `${server.url}${signRenditionUrl('/media/photos/cat.jpg/crop/4000x100.jpg', KEY)}`,
    );
    expect(huge.status).toBe(400);
    expect((await errorOf(huge)).code).toBe('SIZE_NOT_ALLOWED');
    expect(await cacheFiles(server)).not.toContain('photos/cat.jpg/crop/4000x100.jpg');
  });
});

describe('without SIGNING_KEYS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await server.putOriginal('cat.jpg', await jpegImage(400, 300));
  });
  afterAll(() => server.dispose());

  it('keeps refusing ad-hoc sizes with 400 SIZE_NOT_ALLOWED, signed or not', async () => {
    const url = '/media/cat.jpg/crop/50x50.jpg';
    for (const target of [url, signRenditionUrl(url, KEY)]) {
      const response = await fetch(`${server.url}${target}`);
      expect(response.status).toBe(400);
      expect((await errorOf(response)).code).toBe('SIZE_NOT_ALLOWED');
    }
    expect(
      await readdir(join(server.config.roots.cacheRoot), { recursive: true }).catch(() => []),
    ).not.toContain('cat.jpg/crop/50x50.jpg');
  });
});
