// Processing through the shipped nginx config: pad renditions, key-set entries with filters
// and formats, VIF geometry and HEIF originals are rendered by Node once, then served by
// nginx from the file's name alone, with the same pixels; a refused HEIC stays a 415 JSON.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadOriginal } from '../helpers/admin-upload.js';
import { av1Heif, heifEncMissing, hevcHeic } from '../helpers/heic.js';
import { errorOf, rawRequest } from '../helpers/http.js';
import { alphaAt, colourAt, inspect, jpegImage, near, RED, WHITE } from '../helpers/images.js';
import { skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';
import { skipWithout } from '../helpers/requirement.js';

const skip = skipWithoutNginx();
const INVERTED_RED = { r: 255 - RED.r, g: 255 - RED.g, b: 255 - RED.b };

describe.skipIf(skip)('nginx: processing', () => {
  let stack: NginxStack | undefined;
  let configDir: string;
  const s = (): NginxStack => {
    if (stack === undefined) throw new Error('stack not started');
    return stack;
  };
  const via = (path: string, accept?: string) =>
    rawRequest(`http://127.0.0.1:${s().nginx.port}`, path, {
      headers: accept === undefined ? {} : { Accept: accept },
    });
  /** Rendered by Node on the first request, then an nginx hit with the same bytes. */
  const missThenHit = async (url: string, accept?: string) => {
    const miss = await via(url, accept);
    expect(miss.status, miss.body.toString()).toBe(200);
    expect(miss.headers['x-rendition-cache']).toBe('miss');
    const hit = await via(url, accept);
    expect(hit.headers['x-rendition-cache']).toBeUndefined();
    expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
    expect(hit.body.equals(miss.body)).toBe(true);
    return hit;
  };

  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'rendition-nginx-keysets-'));
    const configFile = join(configDir, 'config.json');
    const keySets = {
      listing: { dark: 'filters__invert__crop__400x400.png', box: 'pad__200x200' },
    };
    await writeFile(configFile, JSON.stringify({ keySets }));
    stack = await startNginxStack({
      CONFIG_FILE: configFile,
      ALLOWED_SIZES: '180x180,34x34',
      THUMBNAIL_ROUNDING: 'pillow',
      INPUT_FORMATS: 'jpeg,png,webp,gif,avif,heif',
    });
    await stack.server.putOriginal('photos/wide.jpg', await jpegImage(800, 400));
    // Shape of versatileimagefield's test media (../shared/FACTS.md).
    await stack.server.putOriginal('vif/601.jpg', await jpegImage(601, 203));
  });
  afterAll(async () => {
    await disposeNginxStack(stack);
    await rm(configDir, { recursive: true, force: true });
  });

  it('pads to exactly WxH: transparent bars for AVIF clients, white for the JPEG fallback', async () => {
    const avif = await missThenHit('/media/photos/wide.jpg/pad/180x180', 'image/avif,*/*');
    expect(avif.headers['content-type']).toBe('image/avif');
    expect(await inspect(avif.body)).toMatchObject({ width: 180, height: 180, hasAlpha: true });
    expect(await alphaAt(avif.body, 0.5, 0.05)).toBe(0);
    expect(near(await colourAt(avif.body, 0.25, 0.5), RED)).toBe(true);
    const plain = await missThenHit('/media/photos/wide.jpg/pad/180x180', 'text/html');
    expect(plain.headers['content-type']).toBe('image/jpeg');
    expect(near(await colourAt(plain.body, 0.5, 0.05), WHITE, 8)).toBe(true);
    expect(near(await colourAt(plain.body, 0.25, 0.5), RED)).toBe(true);
  });

  it('serves warmed key-set entries with filters and a format from nginx', async () => {
    const answer = (await uploadOriginal(
      `http://127.0.0.1:${s().server.port}`,
      s().server.adminToken.token,
      await jpegImage(800, 600),
      'k/photo.jpg',
      { warm: 'listing' },
    )) as unknown as { urls: Record<string, Record<string, string>> };
    const dark = answer.urls.listing?.dark ?? '';
    expect(dark).toMatch(/^\/media\/k\/photo\.jpg\/filters\/invert\/crop\/400x400\.png\?/);
    const hit = await via(dark);
    expect(hit.status).toBe(200);
    expect(hit.headers['x-rendition-cache']).toBeUndefined();
    expect(await inspect(hit.body)).toMatchObject({ format: 'png', width: 400, height: 400 });
    expect(near(await colourAt(hit.body, 0.3, 0.5), INVERTED_RED)).toBe(true);
    const box = await via(answer.urls.listing?.box ?? '', 'image/webp');
    expect(box.headers['x-rendition-cache']).toBeUndefined();
    expect(await inspect(box.body)).toMatchObject({ format: 'webp', width: 200, height: 200 });
  });

  it("serves versatileimagefield's size with THUMBNAIL_ROUNDING=pillow", async () => {
    const hit = await missThenHit('/media/vif/601.jpg/thumbnail/34x34.png');
    expect(await inspect(hit.body)).toMatchObject({ width: 34, height: 12 });
  });

  describe.skipIf(skipWithout(heifEncMissing()))('HEIF originals', () => {
    it('renders an AV1-coded HEIF, then nginx serves it', async () => {
      await s().server.putOriginal('h/av1.heif', await av1Heif(400, 200));
      const hit = await missThenHit('/media/h/av1.heif/thumbnail/180x180.jpg');
      expect(await inspect(hit.body)).toMatchObject({ format: 'jpeg', width: 180, height: 90 });
    });

    it("answers an iPhone's HEVC HEIC with Node's 415 JSON, every time", async () => {
      await s().server.putOriginal('h/phone.heic', await hevcHeic(400, 200));
      for (let i = 0; i < 2; i++) {
        const reply = await via('/media/h/phone.heic/thumbnail/180x180', 'image/avif,*/*');
        expect(reply.status).toBe(415);
        expect(reply.headers['content-type']).toMatch(/^application\/json/);
        expect(errorOf(reply).code).toBe('UNSUPPORTED_IMAGE');
        expect(errorOf(reply).message).toMatch(/HEIC coded with HEVC .* has no HEVC decoder/);
      }
    });
  });
});
