// Traversal attempts over real HTTP: refused, nothing read or written outside the roots.

import { execFileSync } from 'node:child_process';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegImage } from '../helpers/images.js';
import { errorOf, rawRequest } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let secret: string;

beforeAll(async () => {
  server = await startTestServer();
  const image = await jpegImage(400, 300);
  await server.putOriginal('ok.jpg', image);
  // A sibling of MEDIA_ROOT whose name shares its prefix: "media" vs "media-evil".
  const sibling = `${server.config.roots.mediaRoot}-evil`;
  await mkdir(sibling, { recursive: true });
  await writeFile(join(sibling, 'secret.jpg'), image);
  secret = join(server.dir, 'secret.txt');
  await writeFile(secret, 'top secret');
  // Symlinks planted inside MEDIA_ROOT: out to a file, out to a directory, and one that stays in.
  await symlink(secret, join(server.config.roots.mediaRoot, 'out.jpg'));
  await symlink(sibling, join(server.config.roots.mediaRoot, 'outdir'));
  await symlink(
    join(server.config.roots.mediaRoot, 'ok.jpg'),
    join(server.config.roots.mediaRoot, 'inside.jpg'),
  );
});
afterAll(async () => {
  await server.dispose();
});

const TRAVERSALS = [
  '/media/../secret.txt',
  '/media/ok.jpg/../../secret.txt',
  '/media/%2e%2e/secret.txt',
  '/media/%2E%2E/%2e%2e/secret.txt',
  '/media/%252e%252e/secret.txt',
  '/media/..%2fsecret.txt',
  '/media/..%2Fmedia-evil/secret.jpg',
  '/media/..%5csecret.txt',
  '/media/a%00.jpg',
  '/media/ok.jpg%00/thumbnail/180x180',
  '/media/%2fetc/passwd',
  '/media//etc/passwd',
  '/media/./ok.jpg',
  '/media/%c0%ae%c0%ae/secret.txt',
  '/media/out.jpg',
  '/media/out.jpg/thumbnail/180x180',
  '/media/outdir/secret.jpg',
  '/media/outdir/secret.jpg/thumbnail/180x180.jpg',
  `/media/${'a/'.repeat(300)}x.jpg`,
  '/media/%ff',
];

describe('path safety', () => {
  it.each(TRAVERSALS)('refuses %s', async (target) => {
    const response = await rawRequest(server.url, target);
    expect([400, 404]).toContain(response.status);
    expect(response.body.toString()).not.toContain('top secret');
    expect(errorOf(response).code).toMatch(/^(BAD_PATH|NOT_FOUND|ORIGINAL_NOT_FOUND)$/);
  });

  it('refuses `..` and encoded dots as a bad path, not as a missing file', async () => {
    for (const target of [
      '/media/ok.jpg/../ok.jpg',
      '/media/%2e%2e/x.jpg',
      '/media/a%2f..%2fok.jpg',
    ]) {
      const response = await rawRequest(server.url, target);
      expect(response.status).toBe(400);
      expect(errorOf(response).code).toBe('BAD_PATH');
    }
  });

  it('refuses a backslash in the request target', async () => {
    const response = await rawRequest(server.url, '/media/..\\secret.txt');
    expect(response.status).toBe(400);
    expect(response.body.toString()).not.toContain('top secret');
  });

  it('answers a FIFO or a symlink loop in MEDIA_ROOT with 404, without hanging', async () => {
    execFileSync('mkfifo', [join(server.config.roots.mediaRoot, 'fifo.jpg')]);
    await symlink('loop.jpg', join(server.config.roots.mediaRoot, 'loop.jpg'));
    const targets = [
      '/media/fifo.jpg',
      '/media/fifo.jpg/thumbnail/180x180.jpg',
      '/media/loop.jpg',
      '/media/loop.jpg/thumbnail/180x180',
    ];
    // Several at once: a blocking open of the FIFO would stall libuv's thread pool.
    const responses = await Promise.all(
      [...targets, ...targets].map((target) => rawRequest(server.url, target)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(404));
    expect((await rawRequest(server.url, '/media/ok.jpg')).status).toBe(200);
  });

  it('follows a symlink that stays inside MEDIA_ROOT', async () => {
    const response = await rawRequest(server.url, '/media/inside.jpg');
    expect(response.status).toBe(200);
  });

  it('wrote nothing outside the cache for any of them, and keeps serving', async () => {
    const cached = await readdir(server.config.roots.cacheRoot, { recursive: true });
    expect(cached.filter((name) => name.includes('secret') || name.startsWith('out'))).toEqual([]);
    expect((await readdir(server.dir)).sort()).toEqual([
      'cache',
      'data',
      'media',
      'media-evil',
      'secret.txt',
    ]);
    const response = await rawRequest(server.url, '/media/ok.jpg');
    expect(response.status).toBe(200);
    expect(server.unexpectedErrors).toEqual([]);
  });

  it('never writes through a directory symlink planted in CACHE_ROOT', async () => {
    const outside = join(server.dir, 'elsewhere');
    await mkdir(outside);
    await server.putOriginal('planted.jpg', await jpegImage(50, 50));
    await symlink(outside, join(server.config.roots.cacheRoot, 'planted.jpg'));
    const response = await rawRequest(server.url, '/media/planted.jpg/thumbnail/180x180.jpg');
    // The render is good, the cache write is refused: answered from memory, never cached.
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(await readdir(outside)).toEqual([]);
    expect(server.unexpectedErrors).toEqual([expect.objectContaining({ code: 'BAD_PATH' })]);
  });
});
