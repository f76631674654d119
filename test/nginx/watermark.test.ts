// The watermark filter through the shipped nginx config: Node renders the marked rendition
// once, then nginx serves that file by the URL's name (explicit and negotiated formats)
// with the same bytes, the mark where Node put it.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/http.js';
import { colourAt, jpegImage, MAGENTA, near, watermarkPng } from '../helpers/images.js';
import { skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';

const skip = skipWithoutNginx();

describe.skipIf(skip)('nginx: watermark', () => {
  let stack: NginxStack | undefined;
  let marks: string;
  const s = (): NginxStack => {
    if (stack === undefined) throw new Error('stack not started');
    return stack;
  };

  beforeAll(async () => {
    marks = await mkdtemp(join(tmpdir(), 'rendition-marks-'));
    const mark = join(marks, 'mark.png');
    await writeFile(mark, await watermarkPng(40, 20));
    stack = await startNginxStack({
      ARBITRARY_SIZES: 'true',
      WATERMARK_IMAGE: mark,
      WATERMARK_OPACITY: '1',
    });
    await s().server.putOriginal('p/photo.jpg', await jpegImage(800, 600));
  });
  afterAll(async () => {
    await disposeNginxStack(stack);
    await rm(marks, { recursive: true, force: true });
  });

  for (const [url, accept] of [
    ['/media/p/photo.jpg/filters/grayscale/watermark/thumbnail/400x300.png', undefined],
    ['/media/p/photo.jpg/filters/watermark/thumbnail/400x300', 'image/webp'],
  ] as const) {
    it(`renders ${url} once in Node, then nginx serves the same marked bytes`, async () => {
      const nginx = `http://127.0.0.1:${s().nginx.port}`;
      const headers: Record<string, string> = accept === undefined ? {} : { Accept: accept };
      const miss = await rawRequest(nginx, url, { headers });
      expect(miss.status, miss.body.toString()).toBe(200);
      expect(miss.headers['x-rendition-cache']).toBe('miss');
      // The magenta mark in the south-east corner (100x50, 16 px in).
      expect(near(await colourAt(miss.body, 334 / 400, 259 / 300), MAGENTA, 12)).toBe(true);
      const hit = await rawRequest(nginx, url, { headers });
      expect(hit.status).toBe(200);
      expect(hit.headers['x-rendition-cache']).toBeUndefined();
      expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
      expect(hit.body.equals(miss.body)).toBe(true);
    });
  }
});
