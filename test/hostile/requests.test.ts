// Hostile requests over real HTTP: oversized uploads with and without a length, hostile
// multipart, and malformed or oversized rendition URLs not covered by the media-route tests.
// Every case checks the status and code, that the roots changed only as they should, that no
// temp file is left, and that the server still serves a good request.

import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../helpers/http.js';
import { jpegImage, noiseJpeg } from '../helpers/images.js';
import { listRoots } from '../helpers/roots.js';
import { until } from '../helpers/until.js';
import { GOOD_ORIGINAL, type Hostile, registeredPath, startHostile, toRaw } from './harness.js';

let hostile: Hostile;
let jpeg: Buffer;
/** Over MAX_SOURCE_BYTES by a little: only the count while streaming can catch it. */
let oversized: Buffer;
const MAX_SOURCE_BYTES = 300_000;

beforeAll(async () => {
  hostile = await startHostile();
  jpeg = await jpegImage(160, 120);
  // A real JPEG padded to just over the cap (under the cap plus the multipart allowance).
  const noise = await noiseJpeg(300, 300);
  oversized = Buffer.concat([noise, Buffer.alloc(MAX_SOURCE_BYTES + 1000 - noise.length)]);
});
afterAll(async () => {
  await hostile.dispose();
});

const BOUNDARY = 'hostile-boundary-7d3f';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

function part(name: string, options: { fileName?: string; type?: string } = {}): string {
  const file = options.fileName === undefined ? '' : `; filename="${options.fileName}"`;
  const type = options.type === undefined ? '' : `Content-Type: ${options.type}\r\n`;
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${file}\r\n${type}\r\n`;
}

/** A whole multipart body: `before` (raw parts), then one file part, then the closing boundary. */
function multipart(fileName: string, bytes: Uint8Array, before = ''): Buffer {
  return Buffer.concat([
    Buffer.from(before),
    Buffer.from(part('file', { fileName, type: 'image/jpeg' })),
    bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/** A stream of `chunks` x 64 KiB after `head`, counting what the server pulled. */
function countingStream(
  head: Uint8Array,
  chunks: number,
): {
  stream: ReadableStream<Uint8Array>;
  pulled: () => number;
} {
  let pulled = 0;
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
    },
    pull(controller) {
      if (sent >= chunks) {
        controller.enqueue(new TextEncoder().encode(`\r\n--${BOUNDARY}--\r\n`));
        controller.close();
        return;
      }
      sent += 1;
      pulled += 64 * 1024;
      controller.enqueue(new Uint8Array(64 * 1024).fill(0xff));
    },
  });
  return { stream, pulled: () => pulled };
}

async function postStream(body: ReadableStream<Uint8Array>, contentType: string) {
  const response = await fetch(`${hostile.server.url}/admin/images`, {
    method: 'POST',
    body,
    headers: { Authorization: `Bearer ${hostile.token}`, 'Content-Type': contentType },
    duplex: 'half',
  } as RequestInit & { duplex: 'half' });
  return toRaw(response);
}

describe('oversized uploads', () => {
  it('refuses an upload over MAX_SOURCE_BYTES with a Content-Length, counted while streaming: 413', async () => {
    const before = await hostile.listing();
    const response = await hostile.upload(oversized, 'big.jpg');
    expect(response.status).toBe(413);
    expect(errorOf(response).code).toBe('SOURCE_TOO_LARGE');
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });

  it('refuses a declared Content-Length far over the cap before reading the body: 413', async () => {
    const before = await hostile.listing();
    const response = await hostile.request('/admin/images', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${hostile.token}`,
        'Content-Type': MULTIPART,
        'Content-Length': String(1024 ** 3),
      },
      body: multipart('huge.jpg', jpeg),
    });
    expect(response.status).toBe(413);
    expect(errorOf(response).code).toBe('SOURCE_TOO_LARGE');
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });

  it('refuses a chunked upload with no length once it passes the cap, without reading it all: 413', async () => {
    const before = await hostile.listing();
    // 64 MiB offered; the server must stop long before.
    const { stream, pulled } = countingStream(
      new TextEncoder().encode(part('file', { fileName: 'endless.jpg', type: 'image/jpeg' })),
      1024,
    );
    const response = await postStream(stream, MULTIPART);
    expect(response.status).toBe(413);
    expect(errorOf(response).code).toBe('SOURCE_TOO_LARGE');
    expect(pulled()).toBeLessThan(16 * 1024 * 1024);
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });

  it('accepts a chunked upload with no length under the cap: 201', async () => {
    const before = await hostile.listing();
    const body = multipart('chunked.jpg', jpeg);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < body.length; at += 1000)
          controller.enqueue(body.subarray(at, at + 1000));
        controller.close();
      },
    });
    const response = await postStream(stream, MULTIPART);
    expect(response.status).toBe(201);
    const path = registeredPath(response);
    expect(path).toBe('images/chunked.jpg');
    await hostile.expectRoots(before, { files: [`media/${path}`], registers: true });
    await hostile.expectStillServing();
  });

  it('refuses a JSON registration body over the cap: 413', async () => {
    const before = await hostile.listing();
    const body = Buffer.from(JSON.stringify({ url: `http://a.test/${'x'.repeat(1_100_000)}` }));
    const response = await hostile.request('/admin/images', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${hostile.token}`,
        'Content-Type': 'application/json',
        'Content-Length': String(body.length),
      },
      body,
    });
    expect(response.status).toBe(413);
    expect(errorOf(response).code).toBe('SOURCE_TOO_LARGE');
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });
});

describe('heavy JSON bodies (issue 14, item 11)', () => {
  async function postJson(target: string, body: Buffer, chunked = false) {
    return hostile.request(target, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${hostile.token}`,
        'Content-Type': 'application/json',
        ...(chunked
          ? { 'Transfer-Encoding': 'chunked' }
          : { 'Content-Length': String(body.length) }),
      },
      body,
    });
  }

  it('refuses JSON nested deeper than MAX_JSON_DEPTH (16) with 400, before parsing it', async () => {
    const before = await hostile.listing();
    const body = Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const response = await postJson('/admin/warm', body);
    expect(response.status).toBe(400);
    expect(errorOf(response)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(errorOf(response).message).toBe(
      'Expected JSON nested at most 16 deep (MAX_JSON_DEPTH) but received more than 16',
    );
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });

  it('accepts brackets inside strings (they are not nesting)', async () => {
    const response = await postJson(
      '/admin/warm',
      Buffer.from(JSON.stringify({ keySet: 'nope', paths: ['[[[[[[[[[[[[[[[[[[[[[[[[.jpg'] })),
    );
    // Past the depth check: the key set is what is refused.
    expect(response.status).toBe(400);
    expect(errorOf(response).message).toContain('key set');
  });

  it('refuses a chunked JSON body over MAX_JSON_BODY_BYTES (1 MiB) with 413 while reading it', async () => {
    const before = await hostile.listing();
    const response = await postJson('/admin/warm', Buffer.alloc(2 * 2 ** 20, 0x20), true);
    expect(response.status).toBe(413);
    expect(errorOf(response).code).toBe('SOURCE_TOO_LARGE');
    expect(errorOf(response).message).toBe(
      'Expected a JSON body of at most 1048576 bytes (MAX_JSON_BODY_BYTES) but received more (counted while reading); uploads go as multipart',
    );
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });

  it('refuses a longer Content-Length with 413 at once, and takes one at the cap', async () => {
    const response = await postJson('/admin/warm', Buffer.alloc(2 ** 20 + 1, 0x20));
    expect(response.status).toBe(413);
    expect(errorOf(response).message).toContain('received 1048577 (Content-Length)');
    // At the cap: read, then judged by the schema (only blanks: not JSON).
    const atCap = await postJson('/admin/warm', Buffer.alloc(2 ** 20, 0x20));
    expect(atCap.status).toBe(400);
    await hostile.expectStillServing();
  });
});

describe('hostile multipart', () => {
  const REFUSED: readonly [string, () => Buffer, string][] = [
    [
      'five hundred fields before the file',
      () =>
        multipart(
          'many.jpg',
          jpeg,
          Array.from({ length: 500 }, (_, i) => `${part(`f${i}`)}v\r\n`).join(''),
        ),
      MULTIPART,
    ],
    [
      'fifty file parts',
      () =>
        Buffer.concat([
          ...Array.from({ length: 50 }, (_, i) => [
            Buffer.from(part('file', { fileName: `f${i}.jpg`, type: 'image/jpeg' })),
            jpeg,
            Buffer.from('\r\n'),
          ]).flat(),
          Buffer.from(`--${BOUNDARY}--\r\n`),
        ]),
      MULTIPART,
    ],
    [
      'a 20 kB path field',
      () => multipart('field.jpg', jpeg, `${part('path')}${'a/'.repeat(10_000)}x.jpg\r\n`),
      MULTIPART,
    ],
    ['no boundary parameter', () => multipart('nob.jpg', jpeg), 'multipart/form-data'],
    [
      'a boundary that never occurs in the body',
      () => multipart('other.jpg', jpeg),
      'multipart/form-data; boundary=not-the-one',
    ],
    ['a body that is not multipart', () => Buffer.from('just some text, no parts'), MULTIPART],
    ['an empty body', () => Buffer.alloc(0), MULTIPART],
    ['a NUL in the file name', () => multipart('a\u0000b.jpg', jpeg), MULTIPART],
    [
      'multipart/mixed instead of form-data',
      () => multipart('x.jpg', jpeg),
      MULTIPART.replace('form-data', 'mixed'),
    ],
  ];

  it.each(REFUSED)('refuses %s: 400 BAD_REQUEST', async (_name, body, contentType) => {
    const before = await hostile.listing();
    const response = await hostile.uploadRaw(body(), contentType);
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('BAD_REQUEST');
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });

  it.each([
    ['../../../../etc/cron.d/evil.jpg', 'images/evil.jpg'],
    ['..\\..\\..\\windows\\win.jpg', 'images/win.jpg'],
    ['/etc/passwd.jpg', 'images/passwd.jpg'],
    ['%2e%2e%2f%2e%2e%2fenc.jpg', 'images/2e-2e-2f-2e-2e-2fenc.jpg'],
    ['....//....//dots.jpg', 'images/dots.jpg'],
  ])('stores an upload named %s inside MEDIA_ROOT only, as %s', async (fileName, expected) => {
    const outside = await listRoots({
      mediaRoot: dirname(hostile.roots.mediaRoot),
      cacheRoot: '/etc/cron.d',
      dataDir: '/nonexistent',
    });
    const before = await hostile.listing();
    const response = await hostile.uploadRaw(multipart(fileName, jpeg), MULTIPART);
    expect(response.status).toBe(201);
    expect(registeredPath(response)).toBe(expected);
    await hostile.expectRoots(before, { files: [`media/${expected}`], registers: true });
    const after = await listRoots({
      mediaRoot: dirname(hostile.roots.mediaRoot),
      cacheRoot: '/etc/cron.d',
      dataDir: '/nonexistent',
    });
    // Outside the roots: the same entries (the roots themselves changed, as checked above).
    const outsideRoots = (listing: ReadonlyMap<string, string>) =>
      [...listing.keys()].filter((entry) => !/^media\/(media|cache|data)(\/|$)/.test(entry));
    expect(outsideRoots(after)).toEqual(outsideRoots(outside));
    await hostile.expectStillServing();
  });

  it('ignores the Content-Type of the file part: the bytes decide', async () => {
    const before = await hostile.listing();
    const body = Buffer.concat([
      Buffer.from(part('file', { fileName: 'typed.jpg', type: 'text/html' })),
      jpeg,
      Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
    ]);
    const response = await hostile.uploadRaw(body, MULTIPART);
    expect(response.status).toBe(201);
    expect(JSON.parse(response.body.toString())).toMatchObject({ format: 'jpeg' });
    await hostile.expectRoots(before, {
      files: [`media/${registeredPath(response)}`],
      registers: true,
    });
    const refused = await hostile.uploadRaw(
      Buffer.concat([
        Buffer.from(part('file', { fileName: 'fake.jpg', type: 'image/jpeg' })),
        Buffer.from('<html>not an image</html>'),
        Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
      ]),
      MULTIPART,
    );
    expect(refused.status).toBe(415);
    await hostile.expectStillServing();
  });
});

describe('malformed and unknown rendition URLs', () => {
  const at = `/media/${GOOD_ORIGINAL}`;
  it.each([
    [`${at}/thumbnail/99999999999999999999x1`, 400, 'BAD_RENDITION_URL'],
    [`${at}/thumbnail/100x100.`, 400, 'BAD_RENDITION_URL'],
    [`${at}/thumbnail/100x100.JPG`, 400, 'BAD_RENDITION_URL'],
    [`${at}/thumbnail/100x100.jpg.webp`, 400, 'BAD_RENDITION_URL'],
    [`${at}/thumbnail/100x100.svg`, 400, 'BAD_RENDITION_URL'],
    [`${at}/thumbnail/100x100.jpeg`, 400, 'BAD_RENDITION_URL'],
    [`${at}/crop/00x100`, 400, 'BAD_RENDITION_URL'],
    [`${at}/thumbnail/100x100.jpg%00`, 400, 'BAD_PATH'],
    [`${at}/thumbnail/100x100.avif/`, 400, 'BAD_PATH'],
    [`${at}/filters/grayscale/invert`, 400, 'BAD_RENDITION_URL'],
    [`${at}/filters/blur/sharpen/invert/grayscale/blur/crop/100x100`, 400, 'BAD_RENDITION_URL'],
    [`${at}/thumbnail/2000x0`, 400, 'SIZE_NOT_ALLOWED'],
    [`${at}/crop/1x99999`, 400, 'SIZE_NOT_ALLOWED'],
    [`${at}/filters/invert/thumbnail/1001x1001.png`, 400, 'SIZE_NOT_ALLOWED'],
    // Near a rendition, after an original that exists: the answer names the canonical URL.
    [`${at}/thumbnail/100X100`, 400, 'BAD_RENDITION_URL'],
    [`${at}/Thumbnail/100x100`, 400, 'BAD_RENDITION_URL'],
    // Not the shape of a size or a known sizer or filter: the tail is part of a path.
    [`${at}/thumbnail/-100x100`, 404, 'ORIGINAL_NOT_FOUND'],
    [`${at}/thumbnail/1e3x100`, 404, 'ORIGINAL_NOT_FOUND'],
    [`${at}/thumbnail/100x100x100`, 404, 'ORIGINAL_NOT_FOUND'],
    [`${at}/thumbnail/${encodeURIComponent('１００x１００')}`, 404, 'ORIGINAL_NOT_FOUND'],
    [`${at}/fit/100x100`, 404, 'ORIGINAL_NOT_FOUND'],
    [`${at}/filters/emboss/thumbnail/100x100`, 404, 'ORIGINAL_NOT_FOUND'],
    [`${at}/filters/thumbnail/100x100`, 404, 'ORIGINAL_NOT_FOUND'],
  ])('%s -> %i %s', async (target, status, code) => {
    const before = await hostile.listing();
    const response = await hostile.request(target);
    expect(response.status).toBe(status);
    expect(errorOf(response).code).toBe(code);
    expect(response.headers['cache-control']).toBe('no-store');
    await hostile.expectRoots(before);
    await hostile.expectStillServing();
  });
});

describe('a delete racing renders', () => {
  // MediaService.serveRendition resolves the original, then waits for a render slot; when the
  // original is deleted meanwhile, sharp's "Input file is missing" is translated to 415
  // UNSUPPORTED_IMAGE (and remembered as a refusal) instead of 404 ORIGINAL_NOT_FOUND.
  it('answers renders queued behind a deleted original with 404, never 415', async () => {
    await hostile.server.putOriginal('race/big.jpg', await noiseJpeg(2400, 1600));
    const renders = Array.from({ length: 10 }, (_, i) =>
      hostile.request(`/media/race/big.jpg/thumbnail/${300 + i}x0.png`),
    );
    // Once rendering has begun, the rest wait behind it (not a fixed delay: a busy machine
    // is slow).
    await until(() => hostile.server.parts.cache.counters.renders > 0, {
      message: 'no render started',
    });
    const deleted = await hostile.request('/admin/images/race/big.jpg', {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${hostile.token}` },
    });
    expect(deleted.status).toBe(204);
    const statuses = (await Promise.all(renders)).map((response) => response.status);
    expect(statuses.filter((status) => status !== 200 && status !== 404)).toEqual([]);
    await hostile.expectStillServing();
  });
});
