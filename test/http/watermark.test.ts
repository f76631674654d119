// The watermark filter over real HTTP: refused without WATERMARK_IMAGE (writing nothing),
// rendered and cached with it, and purged at start when the watermark changed.

import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer } from '../../src/server.js';
import { errorOf, rawRequest } from '../helpers/http.js';
import { colourAt, jpegImage, MAGENTA, near, watermarkPng } from '../helpers/images.js';
import {
  loopbackOnlyLookup,
  makeTestConfig,
  startTestServer,
  type TestServer,
} from '../helpers/server.js';

const URL_PATH = '/media/p/photo.jpg/filters/grayscale/watermark/thumbnail/400x300.png';
const FILE = 'p/photo.jpg/filters/grayscale/watermark/thumbnail/400x300.png';
let marks: string;
let mark: string;

beforeAll(async () => {
  marks = await mkdtemp(join(tmpdir(), 'rendition-marks-'));
  mark = join(marks, 'mark.png');
  await writeFile(mark, await watermarkPng(40, 20));
});
afterAll(async () => {
  await rm(marks, { recursive: true, force: true });
});

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

describe('watermark over HTTP', () => {
  let plain: TestServer | undefined;
  afterAll(() => plain?.dispose());

  it('is 400 WATERMARK_NOT_CONFIGURED without WATERMARK_IMAGE, writing nothing', async () => {
    plain = await startTestServer({ ARBITRARY_SIZES: 'true' });
    await plain.putOriginal('p/photo.jpg', await jpegImage(800, 600));
    for (const target of [URL_PATH, '/media/p/photo.jpg/filters/watermark']) {
      const reply = await rawRequest(plain.url, target);
      expect(reply.status, target).toBe(400);
      expect(errorOf(reply).code).toBe('WATERMARK_NOT_CONFIGURED');
      expect(errorOf(reply).message).toMatch(/set WATERMARK_IMAGE/);
    }
    expect(await exists(join(plain.config.roots.cacheRoot, 'p'))).toBe(false);
  });

  it('renders and caches the mark, and purges it at start when a setting or the image changes', async () => {
    const first = await startTestServer({
      ARBITRARY_SIZES: 'true',
      WATERMARK_IMAGE: mark,
      WATERMARK_OPACITY: '1',
    });
    const { cacheRoot, mediaRoot, dataDir } = first.config.roots;
    try {
      await first.putOriginal('p/photo.jpg', await jpegImage(800, 600));
      const reply = await rawRequest(first.url, URL_PATH);
      expect(reply.status, reply.body.toString()).toBe(200);
      // Grey photo, magenta mark in the south-east corner (100x50, 16 px in).
      expect(near(await colourAt(reply.body, 334 / 400, 259 / 300), MAGENTA, 10)).toBe(true);
      const centre = await colourAt(reply.body, 0.25, 0.5);
      expect(
        Math.max(centre.r, centre.g, centre.b) - Math.min(centre.r, centre.g, centre.b),
      ).toBeLessThan(8);
      expect(await exists(join(cacheRoot, FILE))).toBe(true);
      const other = await rawRequest(first.url, '/media/p/photo.jpg/thumbnail/400x300.png');
      expect(other.status).toBe(200);
    } finally {
      await first.close();
    }

    const restart = async (env: Record<string, string>) => {
      const config = loadConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        MEDIA_ROOT: mediaRoot,
        CACHE_ROOT: cacheRoot,
        DATA_DIR: dataDir,
        ARBITRARY_SIZES: 'true',
        ...env,
      });
      const server = await startServer(config, { lookup: loopbackOnlyLookup });
      return server;
    };
    // The same watermark: nothing purged.
    await (await restart({ WATERMARK_IMAGE: mark, WATERMARK_OPACITY: '1' })).close();
    expect(await exists(join(cacheRoot, FILE))).toBe(true);

    // Another opacity: nginx would serve the old file by its name, so it must go.
    const second = await restart({ WATERMARK_IMAGE: mark, WATERMARK_OPACITY: '0.4' });
    try {
      expect(await exists(join(cacheRoot, FILE))).toBe(false);
      expect(await exists(join(cacheRoot, 'p/photo.jpg/thumbnail/400x300.png'))).toBe(true);
      const stamp = await readFile(join(dataDir, 'watermark-stamp'), 'utf8');
      expect(stamp).toMatch(/^[0-9a-f]{64}\n$/);
      const reply = await rawRequest(second.url, URL_PATH);
      expect(near(await colourAt(reply.body, 334 / 400, 259 / 300), MAGENTA, 10)).toBe(false);
    } finally {
      await second.close();
    }

    // The image replaced in place, settings unchanged: purged too.
    await writeFile(mark, await watermarkPng(40, 20, { r: 0, g: 255, b: 0 }));
    await (await restart({ WATERMARK_IMAGE: mark, WATERMARK_OPACITY: '0.4' })).close();
    expect(await exists(join(cacheRoot, FILE))).toBe(false);
    await rm(first.dir, { recursive: true, force: true });
  });

  it('refuses to start on a WATERMARK_IMAGE that is no image, naming it', async () => {
    const bad = join(marks, 'bad.png');
    await writeFile(bad, 'GIF89a but not really');
    const { dir, config } = await makeTestConfig({ WATERMARK_IMAGE: bad });
    try {
      await expect(startServer(config, { lookup: loopbackOnlyLookup })).rejects.toThrow(
        /^WATERMARK_IMAGE: expected a readable .* but ".*bad\.png" is not an image/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
