// The admin API over real HTTP: every call of the admin API, auth, bad bodies, and that a
// delete leaves nothing behind.

import { createHash } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { colourAt, GREEN, inspect, jpegImage, near, pngImage } from '../helpers/images.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let jpeg: Buffer;

beforeAll(async () => {
  // Centre crops: the PPOI test compares a crop before and after a PPOI is set.
  server = await startTestServer({ ALLOWED_SIZES: '100x100', CROP_STRATEGY: 'centre' });
  jpeg = await jpegImage(800, 600);
});
afterAll(async () => {
  await server.dispose();
});

function admin(
  path: string,
  init: RequestInit = {},
  token = server.adminToken.token,
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== '') headers.set('Authorization', `Bearer ${token}`);
  return fetch(`${server.url}/admin${path}`, { ...init, headers });
}

function upload(
  bytes: Uint8Array,
  fields: Record<string, string> = {},
  query = '',
  name = 'photo.jpg',
): Promise<Response> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  form.set('file', new Blob([bytes]), name);
  return admin(`/images${query}`, { method: 'POST', body: form });
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

async function filesUnder(root: string, prefix: string): Promise<string[]> {
  const all = await readdir(root, { recursive: true }).catch(() => [] as string[]);
  return all.filter((name) => name === prefix || name.startsWith(`${prefix}/`)).sort();
}

async function tempFiles(): Promise<string[]> {
  const media = await readdir(join(server.config.roots.mediaRoot, ':tmp')).catch(() => []);
  const cache = await readdir(join(server.config.roots.cacheRoot, ':tmp')).catch(() => []);
  return [...media, ...cache];
}

describe('authorization', () => {
  it.each([
    ['GET', '/images'],
    ['POST', '/images'],
    ['GET', '/images/a.jpg'],
    ['PATCH', '/images/a.jpg'],
    ['POST', '/images/a.jpg/warm'],
    ['DELETE', '/images/a.jpg'],
    ['POST', '/warm'],
    ['GET', '/jobs/x'],
    ['GET', '/key-sets'],
  ])('%s %s needs the token', async (method, path) => {
    for (const token of ['', 'wrong-token-of-some-length', `${server.adminToken.token}x`]) {
      const response = await admin(path, { method }, token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await errorCode(response)).toBe('UNAUTHORIZED');
    }
  });

  it('keeps a generated token in DATA_DIR with mode 0600', async () => {
    expect(server.adminToken.generated).toBe(true);
    const file = join(server.config.roots.dataDir, 'admin-token');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe('key sets', () => {
  it('lists the configured key sets in config form', async () => {
    const response = await admin('/key-sets');
    expect(await response.json()).toEqual({
      keySets: {
        image: {
          small: 'thumbnail__180x180',
          medium: 'thumbnail__220x220',
          large: 'thumbnail__320x320',
        },
      },
    });
  });
});

describe('register by upload', () => {
  it('streams a chunked upload to disk while it arrives (never holds the body in memory)', async () => {
    const boundary = 'rendition-test-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="path"\r\n\r\nstream/cat.jpg\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cat.jpg"\r\n` +
        'Content-Type: image/jpeg\r\n\r\n',
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const half = Math.floor(jpeg.length / 2);
    const tempDir = join(server.config.roots.mediaRoot, ':tmp');
    const url = new URL(`${server.url}/admin/images`);
    const answer = new Promise<number>((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${server.adminToken.token}`,
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Transfer-Encoding': 'chunked',
        },
      });
      req.once('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.write(Buffer.concat([head, jpeg.subarray(0, half)]));
      // The first half is on disk (in MEDIA_ROOT's temp dir) before the rest is even sent.
      void (async () => {
        const deadline = Date.now() + 10_000;
        let written = 0;
        while (written < half && Date.now() < deadline) {
          const names = await readdir(tempDir).catch(() => [] as string[]);
          const sizes = await Promise.all(
            names.map((n) =>
              stat(join(tempDir, n)).then(
                (s) => s.size,
                () => 0,
              ),
            ),
          );
          written = Math.max(0, ...sizes);
          if (written < half) await new Promise((r) => setTimeout(r, 10));
        }
        expect(written).toBeGreaterThanOrEqual(half);
        req.end(Buffer.concat([jpeg.subarray(half), tail]));
      })().catch(reject);
    });
    expect(await answer).toBe(201);
    expect((await stat(join(server.config.roots.mediaRoot, 'stream/cat.jpg'))).size).toBe(
      jpeg.length,
    );
  });

  it('stores, records and answers the record with its URL sets', async () => {
    const response = await upload(jpeg, { path: 'photos/cat.jpg' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    // The version token: 10 hex characters of SHA-256 over the original's SHA-256 and PPOI.
    const digest = createHash('sha256').update(jpeg).digest('hex');
    const version = `?v=${createHash('sha256').update(`${digest}:0.5,0.5`).digest('hex').slice(0, 10)}`;
    expect(body).toMatchObject({
      path: 'photos/cat.jpg',
      width: 800,
      height: 600,
      format: 'jpeg',
      bytes: jpeg.length,
      ppoi: { x: 0.5, y: 0.5 },
      source: { kind: 'upload', fileName: 'photo.jpg' },
      urls: {
        image: {
          small: `/media/photos/cat.jpg/thumbnail/180x180${version}`,
          medium: `/media/photos/cat.jpg/thumbnail/220x220${version}`,
          large: `/media/photos/cat.jpg/thumbnail/320x320${version}`,
        },
      },
      srcsets: {
        image: {
          small: {
            src: `/media/photos/cat.jpg/thumbnail/180x180${version}`,
            srcset: `/media/photos/cat.jpg/thumbnail/180x180${version} 1x`,
            width: 180,
            height: 135,
          },
        },
      },
    });
    expect(body.sha256).toBe(digest);
    expect(Date.parse(String(body.createdAt))).toBeGreaterThan(Date.now() - 60_000);
    const stored = await stat(join(server.config.roots.mediaRoot, 'photos/cat.jpg'));
    expect(stored.size).toBe(jpeg.length);
    expect(await tempFiles()).toEqual([]);
  });

  it('chooses a safe unique path from the file name and the real format', async () => {
    const png = await pngImage(40, 30);
    const first = (await (await upload(png, {}, '', '../../Été Photo!!.jpeg')).json()) as {
      path: string;
    };
    expect(first.path).toBe('images/ete-photo.png');
    const second = (await (await upload(png, {}, '', '../../Été Photo!!.jpeg')).json()) as {
      path: string;
    };
    expect(second.path).toMatch(/^images\/ete-photo-[0-9a-f]{6}\.png$/);
  });

  it('answers 409 for an existing path, and replaces on ?replace=true dropping old renditions', async () => {
    await upload(jpeg, { path: 'replace/me.jpg' });
    const rendition = await fetch(`${server.url}/media/replace/me.jpg/thumbnail/180x180.jpg`);
    expect(rendition.status).toBe(200);
    const conflict = await upload(jpeg, { path: 'replace/me.jpg' });
    expect(conflict.status).toBe(409);
    expect(await errorCode(conflict)).toBe('CONFLICT');

    const green = await sharp({
      create: { width: 300, height: 300, channels: 3, background: GREEN },
    })
      .jpeg()
      .toBuffer();
    const replaced = await upload(green, { path: 'replace/me.jpg' }, '?replace=true');
    expect(replaced.status).toBe(201);
    expect(await filesUnder(server.config.roots.cacheRoot, 'replace/me.jpg')).toEqual([]);
    const fresh = await fetch(`${server.url}/media/replace/me.jpg/thumbnail/180x180.jpg`);
    const body = Buffer.from(await fresh.arrayBuffer());
    expect(await inspect(body)).toMatchObject({ width: 180, height: 180 });
    expect(near(await colourAt(body, 0.5, 0.5), GREEN)).toBe(true);
  });

  it('warms key sets on register, in every negotiable format', async () => {
    const response = await upload(jpeg, { path: 'warm/on-save.jpg', warm: 'image' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as {
      warmed: Record<string, { created: number; failed: unknown[] }>;
    };
    expect(body.warmed.image).toMatchObject({ created: 9, existing: 0, failed: [] });
    const cached = await filesUnder(server.config.roots.cacheRoot, 'warm/on-save.jpg');
    expect(cached.filter((name) => /\/thumbnail\/.+\.(avif|webp|jpg)$/.test(name))).toHaveLength(9);
    expect(cached).toContain('warm/on-save.jpg/thumbnail/180x180.fallback.jpg');
    const hit = await fetch(`${server.url}/media/warm/on-save.jpg/thumbnail/220x220`, {
      headers: { Accept: 'image/avif' },
    });
    expect(hit.headers.get('x-rendition-cache')).toBe('hit');
    expect(await inspect(Buffer.from(await hit.arrayBuffer()))).toMatchObject({
      format: 'avif',
      width: 220,
      height: 165,
    });
  });

  it.each([
    ['not an image', Buffer.from('<?php system($_GET["c"]); ?>'), {}, 415, 'UNSUPPORTED_IMAGE'],
    ['a truncated JPEG', 'truncated', {}, 415, 'UNSUPPORTED_IMAGE'],
    ['a path whose extension lies', 'jpeg', { path: 'liar.png' }, 400, 'BAD_REQUEST'],
    ['a traversal path', 'jpeg', { path: '../escape.jpg' }, 400, 'BAD_PATH'],
    ['an unknown key set', 'jpeg', { path: 'k.jpg', warm: 'nope' }, 400, 'BAD_REQUEST'],
  ] as const)('refuses %s and writes nothing', async (_name, kind, fields, status, code) => {
    const bytes =
      kind === 'jpeg' ? jpeg : kind === 'truncated' ? jpeg.subarray(0, jpeg.length / 2) : kind;
    const before = await readdir(server.config.roots.mediaRoot, { recursive: true });
    const response = await upload(bytes, fields);
    expect(response.status).toBe(status);
    expect(await errorCode(response)).toBe(code);
    expect(await readdir(server.config.roots.mediaRoot, { recursive: true })).toEqual(before);
    expect(await tempFiles()).toEqual([]);
  });

  it('refuses bad multipart: no file, a wrong part name, two files', async () => {
    const noFile = new FormData();
    noFile.set('path', 'x.jpg');
    expect((await admin('/images', { method: 'POST', body: noFile })).status).toBe(400);
    const wrongName = new FormData();
    wrongName.set('image', new Blob([jpeg]), 'a.jpg');
    expect((await admin('/images', { method: 'POST', body: wrongName })).status).toBe(400);
    const two = new FormData();
    two.append('file', new Blob([jpeg]), 'a.jpg');
    two.append('file', new Blob([jpeg]), 'b.jpg');
    expect((await admin('/images', { method: 'POST', body: two })).status).toBe(400);
    expect(await tempFiles()).toEqual([]);
  });
});

describe('register by URL', () => {
  let source: Server;
  let sourceUrl: string;
  let hits = 0;
  beforeAll(async () => {
    source = createServer((req, res) => {
      hits += 1;
      if (req.url === '/cat.jpg') {
        res.writeHead(200, { 'Content-Type': 'text/html' }).end(jpeg);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    sourceUrl = `http://images.test:${(source.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => source.close(resolve));
  });

  it('refuses loopback sources unless allow-listed, before connecting', async () => {
    const response = await admin('/images', json({ url: `${sourceUrl}/cat.jpg` }));
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('SOURCE_ADDRESS_REFUSED');
    expect(hits).toBe(0);
  });

  it('fetches an allow-listed source, trusting its bytes, not its Content-Type', async () => {
    const allowed = await startTestServer({ FETCH_ALLOW_CIDRS: '127.0.0.1/32' });
    try {
      const response = await fetch(`${allowed.url}/admin/images`, {
        ...json({ url: `${sourceUrl}/cat.jpg`, warm: ['image'] }),
        headers: {
          Authorization: `Bearer ${allowed.adminToken.token}`,
          'Content-Type': 'application/json',
        },
      });
      expect(response.status).toBe(201);
      const body = (await response.json()) as { path: string; format: string; source: unknown };
      expect(body).toMatchObject({
        path: 'images/cat.jpg',
        format: 'jpeg',
        source: { kind: 'url', url: `${sourceUrl}/cat.jpg` },
      });
      const missing = await fetch(`${allowed.url}/admin/images`, {
        ...json({ url: `${sourceUrl}/missing.jpg` }),
        headers: {
          Authorization: `Bearer ${allowed.adminToken.token}`,
          'Content-Type': 'application/json',
        },
      });
      expect(missing.status).toBe(502);
      expect(await errorCode(missing)).toBe('SOURCE_FETCH_FAILED');
    } finally {
      await allowed.dispose();
    }
  });

  it.each([
    ['malformed JSON', '{"url": ', 'application/json'],
    [
      'an unknown field',
      JSON.stringify({ url: 'http://x.test/a.jpg', colour: 'red' }),
      'application/json',
    ],
    ['no url', JSON.stringify({ path: 'a.jpg' }), 'application/json'],
    ['a non-http scheme', JSON.stringify({ url: 'file:///etc/passwd' }), 'application/json'],
    ['a wrong content type', JSON.stringify({ url: 'http://x.test/a.jpg' }), 'text/plain'],
  ])('refuses %s with 400', async (_name, body, type) => {
    const response = await admin('/images', {
      method: 'POST',
      headers: { 'Content-Type': type },
      body,
    });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toMatch(/^(BAD_REQUEST|SOURCE_ADDRESS_REFUSED)$/);
  });
});

describe('read, PPOI, warm, jobs, delete', () => {
  it('lists with a cursor and a prefix, and reads one record', async () => {
    for (const name of ['a', 'b', 'c']) await upload(jpeg, { path: `list/${name}.jpg` });
    const first = (await (await admin('/images?prefix=list/&limit=2')).json()) as {
      items: { path: string }[];
      next: string;
    };
    expect(first.items.map((item) => item.path)).toEqual(['list/a.jpg', 'list/b.jpg']);
    const second = (await (
      await admin(`/images?prefix=list/&limit=2&cursor=${encodeURIComponent(first.next)}`)
    ).json()) as {
      items: { path: string }[];
      next: string | null;
    };
    expect(second).toMatchObject({ items: [{ path: 'list/c.jpg' }], next: null });
    const one = await admin('/images/list/b.jpg');
    expect(((await one.json()) as { path: string; urls: object }).path).toBe('list/b.jpg');
    expect((await admin('/images/list/zzz.jpg')).status).toBe(404);
    expect((await admin('/images?limit=0')).status).toBe(400);
  });

  it('sets the PPOI, drops crop renditions only, and crops around it from then on', async () => {
    await upload(jpeg, { path: 'ppoi/p.jpg' });
    const before = Buffer.from(
      await (await fetch(`${server.url}/media/ppoi/p.jpg/crop/100x100.png`)).arrayBuffer(),
    );
    await fetch(`${server.url}/media/ppoi/p.jpg/thumbnail/180x180.png`);
    expect(near(await colourAt(before, 0.05, 0.05), GREEN)).toBe(false);

    const bad = await admin('/images/ppoi/p.jpg', {
      ...json({ ppoi: { x: 2, y: 0 } }),
      method: 'PATCH',
    });
    expect(bad.status).toBe(400);
    const patched = await admin('/images/ppoi/p.jpg', {
      ...json({ ppoi: { x: 0, y: 0 } }),
      method: 'PATCH',
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as { ppoi: unknown }).ppoi).toEqual({ x: 0, y: 0 });
    expect(await filesUnder(server.config.roots.cacheRoot, 'ppoi/p.jpg')).toEqual([
      'ppoi/p.jpg',
      'ppoi/p.jpg/crop',
      'ppoi/p.jpg/thumbnail',
      'ppoi/p.jpg/thumbnail/180x180.png',
    ]);
    const after = Buffer.from(
      await (await fetch(`${server.url}/media/ppoi/p.jpg/crop/100x100.png`)).arrayBuffer(),
    );
    expect(near(await colourAt(after, 0.05, 0.05), GREEN)).toBe(true);
  });

  it('warms one image and reports created, then existing', async () => {
    await upload(jpeg, { path: 'warm/one.jpg' });
    const first = await admin('/images/warm/one.jpg/warm', json({ keySets: ['image'] }));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      warmed: { image: { created: 9, existing: 0, failed: [] } },
    });
    const again = await admin('/images/warm/one.jpg/warm', json({ keySets: ['image'] }));
    expect(await again.json()).toEqual({
      warmed: { image: { created: 0, existing: 9, failed: [] } },
    });
    expect((await admin('/images/warm/one.jpg/warm', json({ keySets: ['nope'] }))).status).toBe(
      400,
    );
    expect((await admin('/images/warm/none.jpg/warm', json({ keySets: ['image'] }))).status).toBe(
      404,
    );
  });

  it('runs a bulk warm job with progress, carrying on past a failure', async () => {
    await upload(jpeg, { path: 'bulk/1.jpg' });
    await upload(jpeg, { path: 'bulk/2.jpg' });
    await writeFile(join(server.config.roots.mediaRoot, 'bulk/broken.jpg'), 'not an image');
    const started = await admin(
      '/warm',
      json({ keySet: 'image', paths: ['bulk/1.jpg', 'bulk/broken.jpg', 'bulk/2.jpg'] }),
    );
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let job: {
      state: string;
      total: number;
      done: number;
      failed: { path: string; error: { code: string } }[];
    };
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = (await (await admin(`/jobs/${id}`)).json()) as typeof job;
    } while (job.state === 'running');
    expect(job).toMatchObject({ state: 'done', total: 3, done: 3 });
    expect(job.failed).toEqual([
      { path: 'bulk/broken.jpg', error: expect.objectContaining({ code: 'UNSUPPORTED_IMAGE' }) },
    ]);
    expect(await filesUnder(server.config.roots.cacheRoot, 'bulk/2.jpg/thumbnail')).toHaveLength(
      10,
    );
    expect((await admin('/jobs/nope')).status).toBe(404);
    expect((await admin('/warm', json({ keySet: 'nope' }))).status).toBe(400);
  });

  it('deletes the original, every rendition and the record', async () => {
    await upload(jpeg, { path: 'gone/x.jpg', warm: 'image' });
    await fetch(`${server.url}/media/gone/x.jpg/crop/100x100.webp`);
    await fetch(`${server.url}/media/gone/x.jpg/filters/invert`);
    const response = await admin('/images/gone/x.jpg', { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(await filesUnder(server.config.roots.mediaRoot, 'gone/x.jpg')).toEqual([]);
    expect(await filesUnder(server.config.roots.cacheRoot, 'gone/x.jpg')).toEqual([]);
    expect((await admin('/images/gone/x.jpg')).status).toBe(404);
    expect((await fetch(`${server.url}/media/gone/x.jpg/thumbnail/180x180`)).status).toBe(404);
    expect((await admin('/images/gone/x.jpg', { method: 'DELETE' })).status).toBe(404);
  });
});
