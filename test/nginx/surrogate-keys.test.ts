// SURROGATE_KEY_HEADER through the shipped nginx config: nginx's own hits (explicit format,
// negotiated, filters, originals, 304s) name the same original as Node's answers, and a
// non-ASCII path, whose key nginx could not write as ASCII, is answered by Node.

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { renderNginxConfig } from '../../src/nginx/nginx-config.js';
import { solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { rawRequest } from '../helpers/http.js';
import { RED } from '../helpers/images.js';
import { NGINX_TEMPLATE_URL, skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';

const skip = skipWithoutNginx();

describe.skipIf(skip)('nginx: surrogate keys', () => {
  let stack: NginxStack | undefined;
  const s = (): NginxStack => {
    if (stack === undefined) throw new Error('stack not started');
    return stack;
  };
  const via = (path: string, headers: Record<string, string> = {}) =>
    rawRequest(`http://127.0.0.1:${s().nginx.port}`, path, { headers });

  beforeAll(async () => {
    stack = await startNginxStack({
      SURROGATE_KEY_HEADER: 'Cache-Tag',
      ALLOWED_SIZES: '100x100,80x80',
    });
  });
  afterAll(() => disposeNginxStack(stack));

  it('names the original on Node misses and nginx hits alike', async () => {
    const path = 'tagged/dir.v2/cat@2x.jpg';
    await uploadOriginal(
      s().server.url,
      s().server.adminToken.token,
      await solidJpeg(300, 200, RED),
      path,
    );
    for (const url of [
      `/media/${path}/thumbnail/100x100.webp`,
      `/media/${path}/filters/invert/grayscale/crop/80x80.png`,
      `/media/${path}/crop/80x80`,
      `/media/${path}/filters/invert`,
    ]) {
      const miss = await via(url, { Accept: 'image/webp' });
      expect(miss.status, url).toBe(200);
      expect(miss.headers['x-rendition-cache'], url).toBe('miss');
      expect(miss.headers['cache-tag'], url).toBe(path);
      const hit = await via(url, { Accept: 'image/webp' });
      expect(hit.headers['x-rendition-cache'], url).toBeUndefined();
      expect(hit.headers['cache-tag'], url).toBe(path);
      // The location's own headers replace the parent's: they must all be repeated.
      expect(hit.headers['cache-control'], url).toBe(miss.headers['cache-control']);
      expect(hit.headers['x-content-type-options'], url).toBe('nosniff');
      const etag = String(hit.headers.etag);
      const revalidated = await via(url, { Accept: 'image/webp', 'If-None-Match': etag });
      expect(revalidated.status, url).toBe(304);
      expect(revalidated.headers['cache-tag'], url).toBe(path);
    }
    const original = await via(`/media/${path}`);
    expect(original.status).toBe(200);
    expect(original.headers['x-rendition-cache']).toBeUndefined();
    expect(original.headers['cache-tag']).toBe(path);
    expect(original.headers['cache-control']).toMatch(/max-age/);
  });

  it('hands a non-ASCII path to Node, whose key is percent-encoded ASCII', async () => {
    const path = 'tagged/café.jpg';
    await uploadOriginal(
      s().server.url,
      s().server.adminToken.token,
      await solidJpeg(60, 40, RED),
      path,
    );
    const url = '/media/tagged/caf%C3%A9.jpg/thumbnail/100x100.jpg';
    for (const round of [1, 2]) {
      const response = await via(url);
      expect(response.status, `#${round}`).toBe(200);
      expect(response.headers['x-rendition-cache'], `#${round}`).toBeDefined();
      expect(response.headers['cache-tag'], `#${round}`).toBe('tagged/caf%C3%A9.jpg');
    }
  });

  it('captures the key only when SURROGATE_KEY_HEADER is set: hits pay nothing otherwise', async () => {
    expect(s().nginx.siteConfig).toContain('add_header Cache-Tag $rendition_key;');
    expect(s().nginx.siteConfig).toContain('add_header Cache-Tag $rendition_original;');
    const template = await readFile(NGINX_TEMPLATE_URL, 'utf8');
    const roots = { MEDIA_ROOT: '/srv/media', CACHE_ROOT: '/srv/cache' };
    const off = renderNginxConfig(template, loadConfig(roots), {
      listen: { host: '127.0.0.1', port: 8080 },
    });
    expect(off).not.toContain('rendition_key');
    expect(off).not.toContain('Cache-Tag');
    expect(off).not.toContain('Surrogate-Key');
  });
});
