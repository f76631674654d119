// Changing a geometry setting (THUMBNAIL_ROUNDING, CROP_UPSCALE, PAD_BACKGROUND, UPSCALE)
// purges at start exactly the cached renditions it decides: nginx serves a cache file by its
// name alone, so a file made under the old value would be served forever.

import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/log/logger.js';
import { type ServerWithParts, startServerWithParts } from '../../src/server.js';
import { rawRequest } from '../helpers/http.js';
import { colourAt, inspect, jpegImage, near, WHITE } from '../helpers/images.js';
import { loopbackOnlyLookup, makeTestConfig } from '../helpers/server.js';

const THUMB = 'vif/601.jpg/thumbnail/34x34.png';
const CROP = 'vif/small.jpg/crop/320x320.png';
const PAD = 'vif/601.jpg/pad/320x320.jpg';

describe('geometry settings and the cache', () => {
  let dir: string;
  let env: Record<string, string>;
  let running: ServerWithParts | undefined;

  beforeAll(async () => {
    const made = await makeTestConfig();
    dir = made.dir;
    env = {
      HOST: '127.0.0.1',
      PORT: '0',
      MEDIA_ROOT: made.config.roots.mediaRoot,
      CACHE_ROOT: made.config.roots.cacheRoot,
      DATA_DIR: made.config.roots.dataDir,
      ALLOWED_SIZES: '34x34,320x320',
    };
    await mkdir(join(made.config.roots.mediaRoot, 'vif'), { recursive: true });
    // Shapes of versatileimagefield's test media (../shared/FACTS.md).
    await writeFile(join(made.config.roots.mediaRoot, 'vif/601.jpg'), await jpegImage(601, 203));
    await writeFile(join(made.config.roots.mediaRoot, 'vif/small.jpg'), await jpegImage(200, 100));
  });
  afterAll(async () => {
    await running?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const restart = async (settings: Record<string, string>) => {
    await running?.close();
    running = await startServerWithParts(loadConfig({ ...env, ...settings }), {
      lookup: loopbackOnlyLookup,
      processMetrics: false,
      logger: createLogger({ level: 'error', destination: { write: () => {} } }),
    });
    return running;
  };
  const cached = (file: string) => existsSync(join(env.CACHE_ROOT ?? '', file));
  const body = async (file: string) => {
    const response = await rawRequest(running?.url ?? '', `/media/${file}`);
    expect(response.status, response.body.toString()).toBe(200);
    return response.body;
  };
  const sizeOf = async (file: string) => {
    const { width, height } = await inspect(await body(file));
    return { width, height };
  };

  it('purges only what each change decides, then serves the new sizes', async () => {
    await restart({});
    expect(await sizeOf(THUMB)).toEqual({ width: 34, height: 11 });
    expect(await sizeOf(CROP)).toEqual({ width: 100, height: 100 });
    expect(near(await colourAt(await body(PAD), 0.5, 0.02), WHITE, 8)).toBe(true);
    expect([THUMB, CROP, PAD].map(cached)).toEqual([true, true, true]);

    // Rounding decides the thumbnail and the picture inside the pad, never a crop.
    await restart({ THUMBNAIL_ROUNDING: 'pillow' });
    expect([THUMB, CROP, PAD].map(cached)).toEqual([false, true, false]);
    expect(await sizeOf(THUMB)).toEqual({ width: 34, height: 12 });
    await body(PAD);
    const record = join(env.DATA_DIR ?? '', 'thumbnail-rounding');
    expect(await readFile(record, 'utf8')).toBe('pillow\n');

    await restart({ THUMBNAIL_ROUNDING: 'pillow', CROP_UPSCALE: 'true' });
    expect([THUMB, CROP, PAD].map(cached)).toEqual([true, false, true]);
    expect(await sizeOf(CROP)).toEqual({ width: 320, height: 320 });

    await restart({ THUMBNAIL_ROUNDING: 'pillow', CROP_UPSCALE: 'true', PAD_BACKGROUND: '#000' });
    expect([THUMB, CROP, PAD].map(cached)).toEqual([true, true, false]);
    expect(near(await colourAt(await body(PAD), 0.5, 0.02), { r: 0, g: 0, b: 0 }, 8)).toBe(true);

    // The same settings again: nothing goes.
    await restart({ THUMBNAIL_ROUNDING: 'pillow', CROP_UPSCALE: 'true', PAD_BACKGROUND: '#000' });
    expect([THUMB, CROP, PAD].map(cached)).toEqual([true, true, true]);

    // UPSCALE decides every sized rendition.
    await restart({
      THUMBNAIL_ROUNDING: 'pillow',
      CROP_UPSCALE: 'true',
      PAD_BACKGROUND: '#000',
      UPSCALE: 'true',
    });
    expect([THUMB, CROP, PAD].map(cached)).toEqual([false, false, false]);
  });
});
