// Placeholders over real HTTP: made at registration and returned with the URL sets; records
// written before placeholders existed still load, and get theirs on their first read.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { startServerWithParts } from '../../src/server.js';
import { BLUE, inspect, jpegImage, near, RED } from '../helpers/images.js';
import { loopbackOnlyLookup, makeTestConfig, startTestServer } from '../helpers/server.js';

interface View {
  path: string;
  placeholders?: { dominant: string; lqip: string; thumbhash: string };
  urls: Record<string, Record<string, string>>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function adminFetch(url: string, token: string, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return fetch(`${url}/admin${path}`, { ...init, headers });
}

describe('placeholders in admin answers', () => {
  it('are made at registration and returned with the URL sets', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.dispose());
    const form = new FormData();
    form.set('path', 'p/red.jpg');
    // Left half red, right half blue, with a green corner: red or blue dominates.
    form.set('file', new Blob([new Uint8Array(await jpegImage(1200, 800))]), 'red.jpg');
    const created = await adminFetch(server.url, server.adminToken.token, '/images', {
      method: 'POST',
      body: form,
    });
    expect(created.status).toBe(201);
    const view = (await created.json()) as View;
    expect(view.urls.image?.small).toMatch(
      /^\/media\/p\/red\.jpg\/thumbnail\/180x180\?v=[0-9a-f]{10}$/,
    );
    expect(view.placeholders?.dominant).toMatch(/^#[0-9a-f]{6}$/);
    const dominant = Number.parseInt(view.placeholders?.dominant.slice(1) ?? '', 16);
    const rgb = { r: dominant >> 16, g: (dominant >> 8) & 255, b: dominant & 255 };
    expect(near(rgb, RED, 50) || near(rgb, BLUE, 50), JSON.stringify(rgb)).toBe(true);
    expect(view.placeholders?.thumbhash).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const lqip = Buffer.from(view.placeholders?.lqip.split(',')[1] ?? '', 'base64');
    expect(await inspect(lqip)).toMatchObject({ format: 'webp', width: 16, height: 11 });

    // Stored on the record: the list and a read answer the same placeholders.
    const read = (await (
      await adminFetch(server.url, server.adminToken.token, '/images/p/red.jpg')
    ).json()) as View;
    expect(read.placeholders).toEqual(view.placeholders);
    expect(server.parts.registry.get('p/red.jpg')?.placeholders).toEqual(view.placeholders);
    const list = (await (
      await adminFetch(server.url, server.adminToken.token, '/images')
    ).json()) as { items: View[] };
    expect(list.items[0]?.placeholders).toEqual(view.placeholders);
  });

  it('are filled in on the first read of a record written before placeholders existed', async () => {
    const { dir, config } = await makeTestConfig();
    const { mediaRoot, dataDir } = config.roots;
    await mkdir(join(mediaRoot, 'old'), { recursive: true });
    await writeFile(
      join(mediaRoot, 'old/red.png'),
      await sharp({ create: { width: 300, height: 200, channels: 3, background: RED } })
        .png()
        .toBuffer(),
    );
    // A snapshot exactly as the previous version wrote it: no placeholders, no ppoiSet.
    await mkdir(dataDir, { recursive: true });
    const old = {
      path: 'old/red.png',
      width: 300,
      height: 200,
      format: 'png',
      bytes: 1234,
      sha256: 'a'.repeat(64),
      ppoi: { x: 0.5, y: 0.5 },
      source: { kind: 'upload', fileName: 'red.png' },
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    await writeFile(
      join(dataDir, 'db.json'),
      JSON.stringify({ format: 'rendition-registry', version: 1, seq: 1, images: [old] }),
    );
    const server = await startServerWithParts(config, { lookup: loopbackOnlyLookup });
    cleanups.push(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });
    const token = server.adminToken.token;

    // It loads, and the list answers it as stored: no placeholders yet, nothing computed.
    const list = (await (await adminFetch(server.url, token, '/images')).json()) as {
      items: View[];
    };
    expect(list.items.map((item) => [item.path, item.placeholders])).toEqual([
      ['old/red.png', undefined],
    ]);
    expect(server.parts.registry.get('old/red.png')?.placeholders).toBeUndefined();

    // The first read of the one record computes them and stores them on it.
    const read = (await (
      await adminFetch(server.url, token, '/images/old/red.png')
    ).json()) as View;
    const dominant = read.placeholders?.dominant ?? '';
    expect(
      near(
        {
          r: Number.parseInt(dominant.slice(1, 3), 16),
          g: Number.parseInt(dominant.slice(3, 5), 16),
          b: Number.parseInt(dominant.slice(5, 7), 16),
        },
        RED,
        40,
      ),
    ).toBe(true);
    expect(server.parts.registry.get('old/red.png')?.placeholders).toEqual(read.placeholders);
    expect(server.parts.registry.get('old/red.png')?.createdAt).toBe(old.createdAt);
  });
});
