// `GET /media/<path>/info` over real HTTP: registered originals answer their record (PPOI,
// placeholders), unregistered ones their probed header, and `info` never collides with an
// original or a rendition.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageInfo } from '../../src/services/image-info.js';
import { errorOf, rawRequest } from '../helpers/http.js';
import { exifRotatedJpeg, jpegImage, pngImage } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let jpeg: Buffer;

beforeAll(async () => {
  server = await startTestServer({ ALLOWED_SIZES: '100x100' });
  jpeg = await jpegImage(640, 480);
  const form = new FormData();
  form.set('path', 'reg/photo.jpg');
  form.set('file', new Blob([new Uint8Array(jpeg)]), 'photo.jpg');
  const created = await fetch(`${server.url}/admin/images`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.adminToken.token}` },
    body: form,
  });
  expect(created.status).toBe(201);
});
afterAll(() => server.dispose());

async function infoOf(
  path: string,
): Promise<{ status: number; body: ImageInfo; headers: Headers }> {
  const response = await fetch(`${server.url}/media/${path}/info`);
  return {
    status: response.status,
    body: (await response.json()) as ImageInfo,
    headers: response.headers,
  };
}

describe('GET /media/<path>/info', () => {
  it('answers a registered original from its record, placeholders included', async () => {
    const { status, body, headers } = await infoOf('reg/photo.jpg');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(headers.get('cache-control')).toBe('no-cache');
    const record = server.parts.registry.get('reg/photo.jpg');
    expect(body).toEqual({
      path: 'reg/photo.jpg',
      registered: true,
      width: 640,
      height: 480,
      format: 'jpeg',
      bytes: jpeg.length,
      ppoi: null,
      placeholders: record?.placeholders,
    });
    expect(body.placeholders?.dominant).toMatch(/^#[0-9a-f]{6}$/);
    expect(body.placeholders?.lqip).toMatch(/^data:image\/webp;base64,/);
  });

  it('answers the PPOI once it is set', async () => {
    const patched = await fetch(`${server.url}/admin/images/reg/photo.jpg`, {
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${server.adminToken.token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ ppoi: { x: 0.25, y: 0.75 } }),
    });
    expect(patched.status).toBe(200);
    expect((await infoOf('reg/photo.jpg')).body.ppoi).toEqual({ x: 0.25, y: 0.75 });
  });

  it('probes an unregistered original from its header: upright size, no placeholders', async () => {
    const rotated = await exifRotatedJpeg(300, 200);
    await server.putOriginal('dropped/rotated.jpg', rotated);
    const { status, body } = await infoOf('dropped/rotated.jpg');
    expect(status).toBe(200);
    expect(body).toEqual({
      path: 'dropped/rotated.jpg',
      registered: false,
      width: 200,
      height: 300,
      format: 'jpeg',
      bytes: rotated.length,
      ppoi: null,
      placeholders: null,
    });
  });

  it('is 404 for a missing original and 415 for a file that is not an image', async () => {
    const missing = await rawRequest(server.url, '/media/nope.jpg/info');
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('ORIGINAL_NOT_FOUND');
    await server.putOriginal('text.jpg', new TextEncoder().encode('not an image'));
    const text = await rawRequest(server.url, '/media/text.jpg/info');
    expect(text.status).toBe(415);
    expect(errorOf(text).code).toBe('UNSUPPORTED_IMAGE');
  });

  it('reserves a last segment `info` after a path: a file named info there is not served', async () => {
    await server.putOriginal('dir/info', await pngImage(10, 10));
    // `dir` is a directory, not an original: 404, and the file's bytes are never sent.
    const reserved = await rawRequest(server.url, '/media/dir/info');
    expect(reserved.status).toBe(404);
    expect(errorOf(reserved).code).toBe('ORIGINAL_NOT_FOUND');
    // A lone `info` is an original like any other.
    await server.putOriginal('info', await pngImage(10, 10));
    const lone = await rawRequest(server.url, '/media/info');
    expect(lone.status).toBe(200);
    expect(lone.body.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('never turns a rendition URL into info, nor info into a rendition', async () => {
    const after = await rawRequest(server.url, '/media/reg/photo.jpg/thumbnail/100x100/info');
    expect(after.status).toBe(404);
    const filters = await rawRequest(server.url, '/media/reg/photo.jpg/filters/blur/info');
    expect(filters.status).toBe(404);
    const rendition = await rawRequest(server.url, '/media/reg/photo.jpg/thumbnail/100x100.png');
    expect(rendition.status).toBe(200);
    expect(rendition.headers['content-type']).toBe('image/png');
    const climb = await rawRequest(server.url, '/media/%2e%2e/etc/info');
    expect(climb.status).toBe(400);
    expect(errorOf(climb).code).toBe('BAD_PATH');
  });
});

describe('info with REQUIRE_REGISTRATION', () => {
  it('is 404 for an unregistered original, as its renditions are', async () => {
    const strict = await startTestServer({ REQUIRE_REGISTRATION: 'true' });
    try {
      await mkdir(join(strict.config.roots.mediaRoot, 'd'), { recursive: true });
      await writeFile(join(strict.config.roots.mediaRoot, 'd/x.jpg'), jpeg);
      const response = await rawRequest(strict.url, '/media/d/x.jpg/info');
      expect(response.status).toBe(404);
      expect(errorOf(response).code).toBe('ORIGINAL_NOT_FOUND');
    } finally {
      await strict.dispose();
    }
  });
});
