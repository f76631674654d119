// Processing over real HTTP on 127.0.0.1: the pad sizer, geometry settings, and what the
// renditions look like when decoded.

import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadOriginal } from '../helpers/admin-upload.js';
import { av1Heif, heifEncMissing, hevcHeic } from '../helpers/heic.js';
import { errorOf, rawRequest } from '../helpers/http.js';
import { alphaAt, colourAt, inspect, jpegImage, near, RED, WHITE } from '../helpers/images.js';
import { skipWithout } from '../helpers/requirement.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({});
  await server.putOriginal('photos/wide.jpg', await jpegImage(800, 400));
});
afterAll(async () => {
  await server.dispose();
});

const get = (target: string, headers: Record<string, string> = {}) =>
  rawRequest(server.url, target, { headers });
const cached = (relative: string) => existsSync(join(server.config.roots.cacheRoot, relative));

describe('pad over HTTP', () => {
  it('answers exactly WxH with transparent bars where the format has alpha', async () => {
    const response = await get('/media/photos/wide.jpg/pad/180x180', { Accept: 'image/avif' });
    expect(response.status, response.body.toString()).toBe(200);
    expect(response.headers['content-type']).toBe('image/avif');
    expect(await inspect(response.body)).toMatchObject({ width: 180, height: 180, hasAlpha: true });
    expect(await alphaAt(response.body, 0.5, 0.05)).toBe(0);
    expect(near(await colourAt(response.body, 0.25, 0.5), RED)).toBe(true);
    expect(cached('photos/wide.jpg/pad/180x180.avif')).toBe(true);
  });

  it('pads with white when the JPEG original keeps its format', async () => {
    const response = await get('/media/photos/wide.jpg/pad/180x180');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/jpeg');
    expect(await inspect(response.body)).toMatchObject({ width: 180, height: 180 });
    expect(near(await colourAt(response.body, 0.5, 0.05), WHITE, 8)).toBe(true);
    expect(cached('photos/wide.jpg/pad/180x180.fallback.jpg')).toBe(true);
  });

  it('follows the sizes policy like every sizer', async () => {
    const response = await get('/media/photos/wide.jpg/pad/351x351');
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('SIZE_NOT_ALLOWED');
    expect(cached('photos/wide.jpg/pad/351x351.fallback.jpg')).toBe(false);
  });
});

describe('THUMBNAIL_ROUNDING=pillow and CROP_UPSCALE over HTTP', () => {
  let vif: TestServer;
  beforeAll(async () => {
    vif = await startTestServer({
      THUMBNAIL_ROUNDING: 'pillow',
      CROP_UPSCALE: 'true',
      ALLOWED_SIZES: '34x34',
    });
  });
  afterAll(async () => {
    await vif.dispose();
  });

  const sizeOf = async (target: string) => {
    const response = await rawRequest(vif.url, target);
    expect(response.status, response.body.toString()).toBe(200);
    const { width, height } = await inspect(response.body);
    return { width, height };
  };

  it("renders versatileimagefield's sizes and lists the same sizes in the srcsets", async () => {
    // 604x203 into the default key set's 180x180: Pillow 180x61, nearest 180x60.
    const answer = (await uploadOriginal(
      vif.url,
      vif.adminToken.token,
      await jpegImage(604, 203),
      'vif/wide.jpg',
    )) as unknown as {
      srcsets: Record<string, Record<string, { src: string; width: number; height: number }>>;
    };
    const small = answer.srcsets.image?.small;
    expect(small).toMatchObject({ width: 180, height: 61 });
    expect(await sizeOf(small?.src ?? '')).toEqual({ width: 180, height: 61 });
    await vif.putOriginal('vif/601.jpg', await jpegImage(601, 203));
    expect(await sizeOf('/media/vif/601.jpg/thumbnail/34x34')).toEqual({ width: 34, height: 12 });
  });

  it('enlarges a crop of a small original to WxH, but not a thumbnail', async () => {
    await vif.putOriginal('vif/small.jpg', await jpegImage(200, 100));
    expect(await sizeOf('/media/vif/small.jpg/crop/320x320')).toEqual({ width: 320, height: 320 });
    expect(await sizeOf('/media/vif/small.jpg/thumbnail/320x320')).toEqual({
      width: 200,
      height: 100,
    });
  });
});

describe('key sets with filters and formats over HTTP', () => {
  /** What warming `listing` writes for one JPEG original: filters kept, one file per explicit format. */
  const WARMED_FILES = [
    'filters/grayscale/pad/200x200.png',
    'filters/grayscale/pad/400x400.png',
    'filters/invert/crop/400x400.avif',
    'filters/invert/crop/400x400.fallback.jpg',
    'filters/invert/crop/400x400.webp',
    'thumbnail/180x180.webp',
  ].sort();
  const KEY_SETS = {
    listing: {
      dark: 'filters__invert__crop__400x400',
      thumb: 'thumbnail__180x180.webp',
      retina: { size: 'filters__grayscale__pad__200x200.png', densities: [2] },
    },
  };
  let configDir: string;
  let keyed: TestServer;
  beforeAll(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'rendition-keysets-'));
    const configFile = join(configDir, 'config.json');
    await writeFile(configFile, JSON.stringify({ keySets: KEY_SETS }));
    keyed = await startTestServer({ CONFIG_FILE: configFile });
  });
  afterAll(async () => {
    await keyed.dispose();
    await rm(configDir, { recursive: true, force: true });
  });

  it('lists the entries in their config form', async () => {
    const response = await fetch(`${keyed.url}/admin/key-sets`, {
      headers: { Authorization: `Bearer ${keyed.adminToken.token}` },
    });
    expect(await response.json()).toEqual({
      keySets: {
        listing: { ...KEY_SETS.listing, retina: { ...KEY_SETS.listing.retina, densities: [1, 2] } },
      },
    });
  });

  it('warms exactly the files the URL sets name: filters, and the explicit format alone', async () => {
    const answer = (await uploadOriginal(
      keyed.url,
      keyed.adminToken.token,
      await jpegImage(800, 600),
      'k/photo.jpg',
      { warm: 'listing' },
    )) as unknown as {
      urls: Record<string, Record<string, string>>;
      srcsets: Record<string, Record<string, { srcset: string }>>;
    };
    const version = answer.urls.listing?.dark?.split('?')[1] ?? '';
    expect(answer.urls.listing).toEqual({
      dark: `/media/k/photo.jpg/filters/invert/crop/400x400?${version}`,
      thumb: `/media/k/photo.jpg/thumbnail/180x180.webp?${version}`,
      retina: `/media/k/photo.jpg/filters/grayscale/pad/200x200.png?${version}`,
    });
    expect(answer.srcsets.listing?.retina?.srcset).toBe(
      `/media/k/photo.jpg/filters/grayscale/pad/200x200.png?${version} 1x, /media/k/photo.jpg/filters/grayscale/pad/400x400.png?${version} 2x`,
    );
    const cacheDir = join(keyed.config.roots.cacheRoot, 'k/photo.jpg');
    const files = (await readdir(cacheDir, { recursive: true })).filter((f) => /\.[a-z]+$/.test(f));
    expect(files.sort()).toEqual(WARMED_FILES);
    // Every warmed URL is a hit, and the pixels are what the entry says.
    for (const url of Object.values(answer.urls.listing ?? {})) {
      const response = await fetch(`${keyed.url}${url}`, { headers: { Accept: 'image/avif' } });
      expect(response.headers.get('x-rendition-cache'), url).toBe('hit');
    }
    const dark = await rawRequest(keyed.url, '/media/k/photo.jpg/filters/invert/crop/400x400');
    const inverted = { r: 255 - RED.r, g: 255 - RED.g, b: 255 - RED.b };
    expect(near(await colourAt(dark.body, 0.3, 0.5), inverted)).toBe(true);
    const retina = await rawRequest(
      keyed.url,
      '/media/k/photo.jpg/filters/grayscale/pad/400x400.png',
    );
    expect(await inspect(retina.body)).toMatchObject({ format: 'png', width: 400, height: 400 });
    const grey = await colourAt(retina.body, 0.3, 0.5);
    expect(grey.r === grey.g && grey.g === grey.b).toBe(true);
  });

  it('warms the entries as a warm job too, each entry in its own format', async () => {
    await uploadOriginal(keyed.url, keyed.adminToken.token, await jpegImage(640, 480), 'k/job.jpg');
    const cacheDir = join(keyed.config.roots.cacheRoot, 'k/job.jpg');
    expect(existsSync(cacheDir)).toBe(false);
    const headers = {
      Authorization: `Bearer ${keyed.adminToken.token}`,
      'Content-Type': 'application/json',
    };
    const started = await fetch(`${keyed.url}/admin/warm`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ keySet: 'listing', paths: ['k/job.jpg'] }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let job: { state?: string; created?: number; failed?: unknown[] } = {};
    await until(async () => {
      job = (await (
        await fetch(`${keyed.url}/admin/jobs/${id}`, { headers })
      ).json()) as typeof job;
      return job.state !== 'running';
    });
    expect(job).toMatchObject({ state: 'done', created: 6, failed: [] });
    const files = (await readdir(cacheDir, { recursive: true })).filter((f) => /\.[a-z]+$/.test(f));
    expect(files.sort()).toEqual(WARMED_FILES);
  });
});

describe.skipIf(skipWithout(heifEncMissing()))('HEIF originals over HTTP', () => {
  let heif: TestServer;
  beforeAll(async () => {
    heif = await startTestServer({ INPUT_FORMATS: 'jpeg,png,webp,gif,avif,heif' });
  });
  afterAll(async () => {
    await heif.dispose();
  });

  it('renders an AV1-coded HEIF', async () => {
    await heif.putOriginal('h/av1.heif', await av1Heif(400, 200));
    const response = await rawRequest(heif.url, '/media/h/av1.heif/thumbnail/180x180.jpg');
    expect(response.status, response.body.toString()).toBe(200);
    expect(await inspect(response.body)).toMatchObject({ format: 'jpeg', width: 180, height: 90 });
  });

  it("refuses an iPhone's HEVC HEIC with a 415 that says why, writing nothing", async () => {
    const bytes = await hevcHeic(400, 200);
    const form = new FormData();
    form.set('path', 'h/phone.heic');
    form.set('file', new Blob([bytes]), 'IMG_0001.HEIC');
    const upload = await fetch(`${heif.url}/admin/images`, {
      method: 'POST',
      body: form,
      headers: { Authorization: `Bearer ${heif.adminToken.token}` },
    });
    expect(upload.status).toBe(415);
    const { error } = (await upload.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('UNSUPPORTED_IMAGE');
    expect(error.message).toMatch(/HEIC coded with HEVC .* has no HEVC decoder/);
    expect(existsSync(join(heif.config.roots.mediaRoot, 'h/phone.heic'))).toBe(false);

    // Dropped into MEDIA_ROOT by another app: its renditions are the same 415, never cached.
    await heif.putOriginal('h/dropped.heic', bytes);
    const response = await rawRequest(heif.url, '/media/h/dropped.heic/thumbnail/180x180');
    expect(response.status).toBe(415);
    expect(errorOf(response).message).toMatch(/as iPhones write it/);
    expect(existsSync(join(heif.config.roots.cacheRoot, 'h/dropped.heic'))).toBe(false);
  });
});
