// A rendition rendered once so later requests are hits: the URL and its cache file.

import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { get } from './client.js';
import type { Rendition } from './servers.js';

export const HIT_PATH = '/media/mosaic.jpg/thumbnail/350x350.jpg';
/** The same file relative to CACHE_ROOT (docs/caching.md#cache-layout). */
export const HIT_FILE = 'mosaic.jpg/thumbnail/350x350.jpg';

/** Copies the mosaic in and renders the hit rendition; returns its cache file. */
export async function prepareHit(server: Rendition, mosaic: string): Promise<string> {
  await copyFile(mosaic, join(server.mediaRoot, 'mosaic.jpg'));
  const first = await get(`${server.url}${HIT_PATH}`, false);
  if (first.status !== 200) throw new Error(`rendering ${HIT_PATH} answered ${first.status}`);
  const second = await get(`${server.url}${HIT_PATH}`, false);
  if (second.outcome !== 'hit') throw new Error(`${HIT_PATH} is not a hit the second time`);
  return join(server.cacheRoot, HIT_FILE);
}
