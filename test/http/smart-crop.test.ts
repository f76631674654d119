// Smart crop over real HTTP: CROP_STRATEGY decides a crop of an image without a PPOI, a PPOI
// set through the admin API wins, and changing the strategy purges the crops cached before.

import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { startServer } from '../../src/server.js';
import { countNear, inspect, offCentreSubject, SKIN } from '../helpers/images.js';
import { loopbackOnlyLookup, startTestServer, type TestServer } from '../helpers/server.js';

const CROP = '/media/subject.jpg/crop/200x200.png';
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function started(env: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer({ ALLOWED_SIZES: '200x200', ...env });
  servers.push({ close: () => server.dispose() });
  await server.putOriginal('subject.jpg', await offCentreSubject(800, 400));
  return server;
}

async function skinIn(url: string): Promise<number> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const body = new Uint8Array(await response.arrayBuffer());
  expect(await inspect(body)).toMatchObject({ width: 200, height: 200, format: 'png' });
  return countNear(body, SKIN);
}

describe('crop of an image without a PPOI, over HTTP', () => {
  it('keeps the off-centre subject with the default strategy (attention)', async () => {
    const server = await started({});
    expect(await skinIn(`${server.url}${CROP}`)).toBeGreaterThan(2000);
  });

  it('cuts it off with CROP_STRATEGY=centre', async () => {
    const server = await started({ CROP_STRATEGY: 'centre' });
    expect(await skinIn(`${server.url}${CROP}`)).toBe(0);
  });

  it('anchors on a PPOI set through the admin API, even at the centre', async () => {
    const server = await started({});
    const form = new FormData();
    form.set('path', 'subject.jpg');
    form.set('file', new Blob([new Uint8Array(await offCentreSubject(800, 400))]), 'subject.jpg');
    const upload = await fetch(`${server.url}/admin/images?replace=true`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.adminToken.token}` },
      body: form,
    });
    expect(upload.status).toBe(201);
    expect(await skinIn(`${server.url}${CROP}`)).toBeGreaterThan(2000);
    const patched = await fetch(`${server.url}/admin/images/subject.jpg`, {
      method: 'PATCH',
      headers: {
        Authorization: `Bearer ${server.adminToken.token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ ppoi: { x: 0.5, y: 0.5 } }),
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { ppoiSet: boolean }).ppoiSet).toBe(true);
    // The PATCH purged the attention crop; the new one is anchored on the (centre) PPOI.
    expect(await skinIn(`${server.url}${CROP}`)).toBe(0);
  });

  it('purges cached crops at start when the strategy changed, and keeps other renditions', async () => {
    const first = await started({ CROP_STRATEGY: 'centre', ALLOWED_SIZES: '200x200,100x100' });
    expect(await skinIn(`${first.url}${CROP}`)).toBe(0);
    const thumb = await fetch(`${first.url}/media/subject.jpg/thumbnail/100x100.png`);
    expect(thumb.status).toBe(200);
    const cacheFile = join(first.config.roots.cacheRoot, 'subject.jpg/crop/200x200.png');
    const thumbFile = join(first.config.roots.cacheRoot, 'subject.jpg/thumbnail/100x100.png');
    await access(cacheFile);
    await first.close();

    // Same roots, another strategy: nginx would serve the old file by its name, so it must go.
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      MEDIA_ROOT: first.config.roots.mediaRoot,
      CACHE_ROOT: first.config.roots.cacheRoot,
      DATA_DIR: first.config.roots.dataDir,
      ALLOWED_SIZES: '200x200,100x100',
      CROP_STRATEGY: 'attention',
    });
    const second = await startServer(config, { lookup: loopbackOnlyLookup });
    servers.unshift({ close: async () => void (await second.close()) });
    await expect(access(cacheFile)).rejects.toThrow();
    await access(thumbFile);
    expect(await readFile(join(config.roots.dataDir, 'crop-strategy'), 'utf8')).toBe('attention\n');
    expect(await skinIn(`${second.url}${CROP}`)).toBeGreaterThan(2000);
  });
});
