// Responsive URL sets over real HTTP: key-set entries with density and width variants, the
// srcsets the admin API answers (exact for the original's size), every candidate served at
// the size its descriptor says, warming that covers the variants, and the package helper
// agreeing with the server.

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { renditionSrcsets, urlVersionFor } from '../../src/index.js';
import { inspect, jpegImage } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const KEY_SETS = {
  image: {
    small: { size: 'thumbnail__180x180', densities: [1, 2] },
    hero: { size: 'crop__400x200', widths: [200, 800], sizes: '(min-width: 50em) 400px, 100vw' },
    plain: 'thumbnail__100x100',
  },
};

interface Answer {
  path: string;
  width: number;
  height: number;
  sha256: string;
  ppoi: { x: number; y: number };
  urls: Record<string, Record<string, string>>;
  srcsets: Record<
    string,
    Record<string, { src: string; srcset: string; sizes?: string; width: number; height: number }>
  >;
  warmed?: Record<string, { created: number; failed: unknown[] }>;
}

let configDir: string;
let server: TestServer;

beforeAll(async () => {
  configDir = await mkdtemp(join(tmpdir(), 'rendition-keysets-'));
  const configFile = join(configDir, 'config.json');
  await writeFile(configFile, JSON.stringify({ keySets: KEY_SETS }));
  server = await startTestServer({ CONFIG_FILE: configFile });
});
afterAll(async () => {
  await server.dispose();
  await rm(configDir, { recursive: true, force: true });
});

function admin(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${server.adminToken.token}`);
  return fetch(`${server.url}/admin${path}`, { ...init, headers });
}

async function register(bytes: Buffer, path: string, warm = ''): Promise<Answer> {
  const form = new FormData();
  form.set('path', path);
  if (warm !== '') form.set('warm', warm);
  form.set('file', new Blob([bytes]), 'x.jpg');
  const response = await admin('/images', { method: 'POST', body: form });
  expect(response.status).toBe(201);
  return (await response.json()) as Answer;
}

/** `[url, descriptor]` pairs of a srcset string. */
function candidates(srcset: string): [string, string][] {
  return srcset.split(', ').map((part) => part.split(' ') as [string, string]);
}

async function sizeOf(url: string): Promise<{ width: number; height: number }> {
  const response = await fetch(`${server.url}${url}`);
  expect(response.status, url).toBe(200);
  const { width, height } = await inspect(Buffer.from(await response.arrayBuffer()));
  return { width, height };
}

describe('responsive URL sets', () => {
  it('answers srcsets whose every candidate is served at the size its descriptor says', async () => {
    const answer = await register(await jpegImage(1000, 500), 'photos/wide.jpg', 'image');
    const version = `?v=${urlVersionFor(answer.sha256, answer.ppoi)}`;
    const { small, hero, plain } = answer.srcsets.image ?? {};
    expect(small).toEqual({
      src: `/media/photos/wide.jpg/thumbnail/180x180${version}`,
      srcset: `/media/photos/wide.jpg/thumbnail/180x180${version} 1x, /media/photos/wide.jpg/thumbnail/360x360${version} 2x`,
      width: 180,
      height: 90,
    });
    expect(hero).toEqual({
      src: `/media/photos/wide.jpg/crop/400x200${version}`,
      srcset: [
        `/media/photos/wide.jpg/crop/200x100${version} 200w`,
        `/media/photos/wide.jpg/crop/400x200${version} 400w`,
        `/media/photos/wide.jpg/crop/800x400${version} 800w`,
      ].join(', '),
      sizes: '(min-width: 50em) 400px, 100vw',
      width: 400,
      height: 200,
    });
    expect(plain?.srcset).toBe(`/media/photos/wide.jpg/thumbnail/100x100${version} 1x`);
    expect(answer.urls.image?.small).toBe(small?.src);

    // Warming rendered the variants too: nothing of the srcsets is a miss.
    const warmed = await readdir(join(server.config.roots.cacheRoot, 'photos/wide.jpg'), {
      recursive: true,
    });
    for (const stem of ['thumbnail/360x360.', 'crop/200x100.', 'crop/800x400.']) {
      expect(
        warmed.some((name) => name.startsWith(stem)),
        stem,
      ).toBe(true);
    }
    expect(answer.warmed?.image?.failed).toEqual([]);

    for (const [url, descriptor] of candidates(small?.srcset ?? '')) {
      const density = Number(descriptor.slice(0, -1));
      expect((await sizeOf(url)).width).toBe(180 * density);
    }
    for (const [url, descriptor] of candidates(hero?.srcset ?? '')) {
      expect(`${(await sizeOf(url)).width}w`).toBe(descriptor);
    }
  });

  it('drops candidates a small original cannot fill and describes the rest exactly', async () => {
    const answer = await register(await jpegImage(250, 250), 'photos/small.jpg');
    const small = answer.srcsets.image?.small;
    const hero = answer.srcsets.image?.hero;
    // 2x of 180 is 250 px (no upscale): 1.39x. Hero 800w is the 250 px crop: 250w; 400w
    // would also be 250 px and is left out as a duplicate.
    expect(candidates(small?.srcset ?? '').map(([, d]) => d)).toEqual(['1x', '1.39x']);
    expect(candidates(hero?.srcset ?? '').map(([, d]) => d)).toEqual(['200w', '250w']);
    for (const [url, descriptor] of candidates(hero?.srcset ?? '')) {
      expect(`${(await sizeOf(url)).width}w`).toBe(descriptor);
    }
    const [twoX] = candidates(small?.srcset ?? '').slice(1);
    expect((await sizeOf(twoX?.[0] ?? '')).width).toBe(250);
  });

  it('gives the same srcsets from the package helper as from the admin API', async () => {
    const answer = (await (await admin('/images/photos/small.jpg')).json()) as Answer;
    const fromHelper = renditionSrcsets(answer.path, KEY_SETS.image, {
      version: urlVersionFor(answer.sha256, answer.ppoi),
      original: { width: answer.width, height: answer.height },
    });
    expect(fromHelper).toEqual(answer.srcsets.image);
  });

  it('lists the key sets in the config form, and allows no size besides the variants', async () => {
    const listed = await (await admin('/key-sets')).json();
    expect(listed).toEqual({
      keySets: {
        image: {
          small: { size: 'thumbnail__180x180', densities: [1, 2] },
          hero: {
            size: 'crop__400x200',
            widths: [200, 400, 800],
            sizes: KEY_SETS.image.hero.sizes,
          },
          plain: 'thumbnail__100x100',
        },
      },
    });
    const refused = await fetch(`${server.url}/media/photos/wide.jpg/thumbnail/540x540`);
    expect(refused.status).toBe(400);
  });
});

describe('key-set variants in the config file', () => {
  it('refuses a variant beyond MAX_WIDTH x MAX_HEIGHT at start, naming the entry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rendition-keysets-'));
    try {
      const configFile = join(dir, 'config.json');
      await writeFile(
        configFile,
        JSON.stringify({
          keySets: { image: { big: { size: 'thumbnail__1200x800', densities: [2] } } },
        }),
      );
      const load = () => loadConfig({ CONFIG_FILE: configFile, MAX_WIDTH: '2048' }, dir);
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(
        /keySets\.image\.big: Expected every variant within MAX_WIDTH x MAX_HEIGHT \(2048x2048\) but received "2400x1600"/,
      );
      expect(() =>
        loadConfig({ CONFIG_FILE: configFile, MAX_WIDTH: '2400', MAX_HEIGHT: '1600' }, dir),
      ).not.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
