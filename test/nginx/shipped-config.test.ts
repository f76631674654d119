// The shipped nginx config as an attacker meets it (a real nginx, the generated config): it
// listens on loopback unless told otherwise, serves MEDIA_URL only, forwards admin and ops
// routes only when asked and only to the allow-list, caps bodies per route, hides its
// version, answers its own errors in rendition's JSON shape, never serves a dotfile, and
// answers a raw UTF-8 target exactly as Node does.

import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NON_ASCII_TARGET_MESSAGE } from '../../src/http/client-error.js';
import { encodePathSegment } from '../../src/url/rendition-url.js';
import { errorOf, type RawResponse, rawRequest } from '../helpers/http.js';
import { jpegImage } from '../helpers/images.js';
import { type RunningNginx, skipWithoutNginx, startNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';
import { rawGet, responseBeforeBody, socketRequest } from '../helpers/raw-socket.js';
import { makeTestConfig } from '../helpers/server.js';

// Throws when CI is set and nginx is missing: CI never passes by skipping these.
const skip = skipWithoutNginx();
const MIB = 1024 * 1024;

const json = (reply: { body: Buffer }) => JSON.parse(reply.body.toString('utf8')) as unknown;

function expectNginxError(reply: RawResponse, status: number, code: string): void {
  expect(reply.status, reply.body.toString()).toBe(status);
  expect(reply.headers['content-type']).toBe('application/json');
  expect(reply.headers['cache-control']).toBe('no-store');
  expect(errorOf(reply).code).toBe(code);
  expect(reply.body.toString()).not.toMatch(/nginx|<html/i);
}

describe.skipIf(skip)('nginx: the shipped config, default options', () => {
  let stack: NginxStack | undefined;
  const s = (): NginxStack => {
    if (stack === undefined) throw new Error('stack not started');
    return stack;
  };
  const both = (target: string) =>
    Promise.all([rawRequest(s().server.url, target), rawRequest(s().nginx.url, target)]);

  beforeAll(async () => {
    stack = await startNginxStack({ ALLOWED_SIZES: '180x180,220x220' });
    const { server } = stack;
    const jpeg = await jpegImage(300, 200);
    await server.putOriginal('a.jpg', jpeg);
    await server.putOriginal('été.jpg', jpeg);
    // Secrets another app keeps beside its media, and an image in a dot directory.
    await server.putOriginal('.env', Buffer.from('SECRET=1\n'));
    await server.putOriginal('.git/config', Buffer.from('[core]\n'));
    await server.putOriginal('photos/.cache/x.jpg', jpeg);
    await symlink('.env', join(server.config.roots.mediaRoot, 'env-link.jpg'));
  });
  afterAll(async () => {
    try {
      expect(stack?.server.unexpectedErrors ?? []).toEqual([]);
    } finally {
      await disposeNginxStack(stack);
    }
  });

  it('listens on 127.0.0.1 alone when --listen gives a bare port', async () => {
    const { nginx } = s();
    expect(nginx.siteConfig).toMatch(
      new RegExp(`^\\s+listen 127\\.0\\.0\\.1:${nginx.port};$`, 'm'),
    );
    expect((await rawRequest(nginx.url, '/media/a.jpg')).status).toBe(200);
    // Another loopback address of this machine: nothing listens there.
    await expect(rawRequest(`http://127.0.0.2:${nginx.port}`, '/media/a.jpg')).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });

  it('serves MEDIA_URL only: admin and ops routes answer 404 as if they did not exist', async () => {
    const { server, nginx } = s();
    const [nodeNotFound] = await both('/no-such-route');
    expect(nodeNotFound?.status).toBe(404);
    for (const target of [
      '/admin/ui',
      '/admin/openapi.json',
      '/admin/images',
      '/metrics',
      '/healthz',
      '/',
      '/media',
      '/no-such-route',
    ]) {
      const reply = await rawRequest(nginx.url, target);
      expectNginxError(reply, 404, 'NOT_FOUND');
      expect(json(reply), target).toEqual(json(nodeNotFound as RawResponse));
    }
    // Node itself does serve them: nginx did not forward.
    expect((await rawRequest(server.url, '/healthz')).status).toBe(200);
    expect((await rawRequest(server.url, '/admin/openapi.json')).status).toBe(200);
  });

  it('names no version (server_tokens off)', async () => {
    const { nginx } = s();
    for (const target of ['/media/a.jpg', '/nope', '/media/a.jpg%00']) {
      expect((await rawRequest(nginx.url, target)).headers.server, target).toBe('nginx');
    }
  });

  it('refuses a body on a media URL past 1 MiB with its own 413 JSON', async () => {
    const reply = await rawRequest(s().nginx.url, '/media/a.jpg', {
      method: 'POST',
      body: Buffer.alloc(2 * MIB),
    });
    expectNginxError(reply, 413, 'SOURCE_TOO_LARGE');
  });

  it('answers an over-long request line with 414 JSON and oversized headers with 431 JSON', async () => {
    const { server, nginx } = s();
    expectNginxError(
      await rawRequest(nginx.url, `/media/${'a'.repeat(9000)}.jpg`),
      414,
      'URI_TOO_LONG',
    );
    expectNginxError(
      await rawRequest(nginx.url, '/media/a.jpg', { headers: { 'X-Big': 'x'.repeat(9000) } }),
      431,
      'HEADERS_TOO_LARGE',
    );
    // Node's own limit (16 KiB of headers) answers the same code, in the same shape.
    const fromNode = await socketRequest(
      server.port,
      rawGet('/media/a.jpg', { 'X-Big': 'x'.repeat(17_000) }),
    );
    expect(fromNode.status).toBe(431);
    expect(fromNode.headers['content-type']).toBe('application/json');
    expect(errorOf(fromNode).code).toBe('HEADERS_TOO_LARGE');
  });

  it.each([
    '/media/.env',
    '/media/.git/config',
    '/media/%2eenv',
    '/media/photos/.cache/x.jpg',
    '/media/photos/.cache/x.jpg/thumbnail/180x180',
    '/media/photos/.cache/x.jpg/crop/220x220.jpg',
    '/media/.git/config/info',
    '/media/env-link.jpg',
  ])('answers dotfile %s with 404 ORIGINAL_NOT_FOUND on nginx and Node alike', async (target) => {
    const [node, nginx] = await both(target);
    expect(node.status, node.body.toString()).toBe(404);
    expect(errorOf(node).code).toBe('ORIGINAL_NOT_FOUND');
    expect(nginx.status).toBe(404);
    expect(nginx.headers['content-type']).toBe(node.headers['content-type']);
    expect(json(nginx)).toEqual(json(node));
  });

  it('never serves a rendition of a dotfile that is already in the cache', async () => {
    const { server } = s();
    // A cache file left from before dotfiles were refused.
    const file = join(server.config.roots.cacheRoot, 'photos/.cache/x.jpg/thumbnail/180x180.jpg');
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, await jpegImage(180, 120));
    for (const target of [
      '/media/photos/.cache/x.jpg/thumbnail/180x180.jpg',
      '/media/photos/%2Ecache/x.jpg/thumbnail/180x180.jpg',
    ]) {
      const [fromNode, fromNginx] = await both(target);
      expect(fromNode.status, target).toBe(404);
      expect(fromNginx.status, target).toBe(404);
    }
  });

  it('answers a raw UTF-8 request target exactly as Node does: hit, miss or original', async () => {
    const { server, nginx } = s();
    // Warmed through the percent-encoded URL: nginx has a file for it.
    const encoded = `/media/${encodePathSegment('été.jpg')}/thumbnail/180x180.jpg`;
    expect((await rawRequest(nginx.url, encoded)).status).toBe(200);
    expect((await rawRequest(nginx.url, encoded)).headers['x-rendition-cache']).toBeUndefined();
    for (const target of [
      '/media/été.jpg',
      '/media/été.jpg/thumbnail/180x180.jpg', // a hit when percent-encoded
      '/media/été.jpg/thumbnail/180x180', // a negotiated hit
      '/media/été.jpg/crop/220x220.jpg', // a miss
      '/media/nope-é.jpg',
      '/nope-é',
    ]) {
      const [fromNode, fromNginx] = await Promise.all([
        socketRequest(server.port, rawGet(target)),
        socketRequest(nginx.port, rawGet(target)),
      ]);
      expect(fromNode.status, target).toBe(400);
      expect(fromNode.headers['content-type']).toBe('application/json');
      expect(errorOf(fromNode)).toEqual({ code: 'BAD_PATH', message: NON_ASCII_TARGET_MESSAGE });
      expect(fromNginx.status, target).toBe(fromNode.status);
      expect(fromNginx.headers['content-type']).toBe(fromNode.headers['content-type']);
      expect(fromNginx.headers['cache-control']).toBe(fromNode.headers['cache-control']);
      expect(json(fromNginx)).toEqual(json(fromNode));
    }
  });
});

/** A PNG of noise: incompressible, so its size is what the test needs. */
function noisePng(bytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(bytes / 3));
  const pixels = Buffer.alloc(side * side * 3);
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = (i * 2654435761) >>> 24;
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

describe.skipIf(skip)('nginx: admin and ops routes, when asked', () => {
  let stack: NginxStack | undefined;
  const s = (): NginxStack => {
    if (stack === undefined) throw new Error('stack not started');
    return stack;
  };
  const MAX_SOURCE_BYTES = 3 * MIB;
  const MAX_JSON_BODY_BYTES = 64 * 1024;

  beforeAll(async () => {
    stack = await startNginxStack(
      {
        MAX_SOURCE_BYTES: String(MAX_SOURCE_BYTES),
        MAX_JSON_BODY_BYTES: String(MAX_JSON_BODY_BYTES),
      },
      { expose: ['admin', 'ops'] },
    );
  });
  afterAll(() => disposeNginxStack(stack));

  it('forwards them to allowed clients (loopback by default)', async () => {
    const { nginx } = s();
    for (const target of ['/healthz', '/metrics', '/admin/openapi.json', '/admin/ui']) {
      const reply = await rawRequest(nginx.url, target);
      expect(reply.status, target).toBe(200);
    }
    expect(nginx.siteConfig).toMatch(/allow 127\.0\.0\.1;\n\s+allow ::1;\n\s+deny all;/);
  });

  it('gives the upload route, and only it, the upload cap', async () => {
    const { server, nginx } = s();
    expect(nginx.siteConfig).toContain(`client_max_body_size ${MAX_SOURCE_BYTES + 64 * 1024};`);
    // Larger than the 1 MiB every other route takes, within MAX_SOURCE_BYTES.
    const png = await noisePng(2 * MIB);
    expect(png.length).toBeGreaterThan(1.5 * MIB);
    expect(png.length).toBeLessThan(MAX_SOURCE_BYTES);
    const form = new FormData();
    form.set('path', 'big.png');
    form.set('file', new Blob([png]), 'big.png');
    const upload = await fetch(`${nginx.url}/admin/images`, {
      method: 'POST',
      body: form,
      headers: { Authorization: `Bearer ${server.adminToken.token}` },
    });
    expect(upload.status, await upload.clone().text()).toBe(201);

    // Past the cap: refused by nginx before Node sees a byte.
    const tooLarge = await rawRequest(nginx.url, '/admin/images', {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=x' },
      body: Buffer.alloc(MAX_SOURCE_BYTES + 128 * 1024),
    });
    expectNginxError(tooLarge, 413, 'SOURCE_TOO_LARGE');
    // Another admin route takes no such body.
    const json2m = await rawRequest(nginx.url, '/admin/warm', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.alloc(2 * MIB, 0x20),
    });
    expectNginxError(json2m, 413, 'SOURCE_TOO_LARGE');
  });

  it('gives the other admin routes the JSON cap, MAX_JSON_BODY_BYTES (issue 14, item 11)', async () => {
    const { nginx } = s();
    expect(nginx.siteConfig).toMatch(
      new RegExp(`location \\^~ /admin/ \\{[^}]*client_max_body_size ${MAX_JSON_BODY_BYTES};`),
    );
    const post = (bytes: number) =>
      rawRequest(nginx.url, '/admin/warm', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.alloc(bytes, 0x20),
      });
    // No token: Node would answer 401, so a 413 is nginx's own, before Node sees a byte.
    expectNginxError(await post(MAX_JSON_BODY_BYTES + 1), 413, 'SOURCE_TOO_LARGE');
    expect((await post(MAX_JSON_BODY_BYTES)).status).toBe(401);
  });

  it('streams an upload to Node: no token is refused before nginx has the body', async () => {
    const { nginx } = s();
    const head = [
      'POST /admin/images HTTP/1.1',
      'Host: 127.0.0.1',
      'Content-Type: multipart/form-data; boundary=x',
      `Content-Length: ${2 * MIB}`,
      '',
      '',
    ].join('\r\n');
    // nginx buffering the body would wait for all 2 MiB; Node answers 401 at once.
    const reply = await responseBeforeBody(nginx.port, head, Buffer.alloc(64 * 1024));
    expect(reply.status).toBe(401);
  });
});

describe.skipIf(skip)('nginx: the allow-list of exposed routes', () => {
  let stack: NginxStack | undefined;
  beforeAll(async () => {
    stack = await startNginxStack({}, { expose: ['admin', 'ops'], allow: ['10.0.0.0/8'] });
  });
  afterAll(() => disposeNginxStack(stack));

  it('answers 403 JSON to an address it does not list', async () => {
    const nginx = stack?.nginx as RunningNginx;
    for (const target of ['/healthz', '/metrics', '/admin/openapi.json', '/admin/images']) {
      expectNginxError(await rawRequest(nginx.url, target), 403, 'FORBIDDEN');
    }
    // Media URLs are public whatever the list says.
    expect((await rawRequest(nginx.url, '/media/nope.jpg')).status).toBe(404);
  });
});

describe.skipIf(skip)('nginx: Node stalled', () => {
  let stalled: Server;
  const sockets: Socket[] = [];
  let nginx: RunningNginx | undefined;
  let dir = '';

  beforeAll(async () => {
    // Accepts and reads, never answers: a Node process whose event loop is stuck.
    stalled = createServer((socket) => {
      sockets.push(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const made = await makeTestConfig();
    dir = made.dir;
    const config = made.config;
    const address = stalled.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    nginx = await startNginx({
      config,
      dir,
      nodePort: address.port,
      generator: { upstreamTimeoutS: 1 },
    });
  });
  afterAll(async () => {
    await nginx?.stop();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => stalled.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 504 JSON once --upstream-timeout has passed', async () => {
    const reply = await rawRequest((nginx as RunningNginx).url, '/media/missing.jpg');
    expectNginxError(reply, 504, 'UPSTREAM_TIMEOUT');
  });
});
