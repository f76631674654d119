// Hostile uploads that could take the whole process down, sent to the BUILT server running as
// a child process (a crash must fail a test, not the test runner): truncated multipart bodies,
// clients that vanish mid-upload, and a burst of bombs at once.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CHILD_ADMIN_TOKEN,
  type ChildServer,
  rootsIn,
  type ServerRoots,
  spawnServer,
} from '../helpers/child-server.js';
import { solidPngBomb } from '../helpers/hostile-images.js';
import { errorOf, type RawResponse, rawRequest } from '../helpers/http.js';
import { inspect, jpegImage, noiseJpeg, pixelBombPng } from '../helpers/images.js';
import { changesBetween, listRoots, type RootsListing, tempFilesIn } from '../helpers/roots.js';
import { until } from '../helpers/until.js';

const BOUNDARY = 'process-boundary-91c2';
let dir: string;
let roots: ServerRoots;
let server: ChildServer | undefined;
let photo: Buffer;
let fresh = 40;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rendition-hostile-process-'));
  roots = await rootsIn(dir);
  photo = await noiseJpeg(500, 500);
  await mkdir(join(roots.mediaRoot, 'good'), { recursive: true });
  await writeFile(join(roots.mediaRoot, 'good/known.jpg'), await jpegImage(400, 300));
});
afterEach(async () => {
  await server?.stop('SIGKILL');
  server = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function start(): Promise<ChildServer> {
  server = await spawnServer(roots, { ARBITRARY_SIZES: 'true', MAX_SOURCE_BYTES: '300000' });
  return server;
}

function fileHead(fileName: string): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
}

function post(running: ChildServer, body: Buffer): Promise<RawResponse> {
  return rawRequest(running.url, '/admin/images', {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${CHILD_ADMIN_TOKEN}`,
      'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
      'Content-Length': String(body.length),
    },
    body,
  });
}

/** The process is up, a good original and a fresh rendition are served, nothing was a 500. */
async function expectStillServing(running: ChildServer): Promise<void> {
  expect(running.alive()).toBe(true);
  expect((await rawRequest(running.url, '/media/good/known.jpg')).status).toBe(200);
  fresh += 1;
  const rendition = await rawRequest(running.url, `/media/good/known.jpg/thumbnail/${fresh}x0.png`);
  expect(rendition.status).toBe(200);
  expect(await inspect(rendition.body)).toMatchObject({ format: 'png', width: fresh });
  expect(running.output()).not.toMatch(/unexpected error|Unhandled|uncaught/i);
}

async function expectNothingWritten(before: RootsListing): Promise<void> {
  const change = changesBetween(before, await listRoots(roots));
  expect(change).toEqual({ added: [], removed: [], changed: [] });
  expect(await tempFilesIn(roots)).toEqual([]);
}

describe('truncated multipart bodies', () => {
  // busboy emits 'error' on the file stream when the form ends inside the file part; the
  // handler attaches its listeners only after `await options.tempFile()`, so a body that ends
  // within its first chunk leaves the error unhandled and the process exits.
  it('refuses a body that ends inside the first bytes of the file part: 400, and stays up', async () => {
    const running = await start();
    const before = await listRoots(roots);
    const body = Buffer.concat([fileHead('cut.jpg'), photo]).subarray(0, 5000);
    const response = await post(running, body);
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('BAD_REQUEST');
    await expectNothingWritten(before);
    await expectStillServing(running);
  });

  it('refuses a body that ends deep inside the file part: 400, and stays up', async () => {
    const running = await start();
    const before = await listRoots(roots);
    const body = Buffer.concat([fileHead('cut.jpg'), photo]).subarray(0, 120_000);
    const response = await post(running, body);
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('BAD_REQUEST');
    await expectNothingWritten(before);
    await expectStillServing(running);
  });

  it('refuses a body that ends inside the part headers: 400, and stays up', async () => {
    const running = await start();
    const before = await listRoots(roots);
    const response = await post(running, fileHead('cut.jpg').subarray(0, 50));
    expect(response.status).toBe(400);
    expect(errorOf(response).code).toBe('BAD_REQUEST');
    await expectNothingWritten(before);
    await expectStillServing(running);
  });
});

describe('clients that vanish', () => {
  it('leaves no temp file and no record when the client disconnects mid-upload', async () => {
    const running = await start();
    const before = await listRoots(roots);
    const { port } = new URL(running.url);
    await new Promise<void>((done) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/admin/images',
        method: 'POST',
        headers: {
          Authorization: `Bearer ${CHILD_ADMIN_TOKEN}`,
          'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
          'Content-Length': String(photo.length + 1000),
        },
      });
      req.on('error', () => done());
      req.write(Buffer.concat([fileHead('gone.jpg'), photo.subarray(0, 100_000)]));
      // The client vanishes once the server is streaming the file (its temp file exists).
      void until(async () => (await tempFilesIn(roots)).length > 0, {
        message: 'the upload never reached a temp file',
      }).then(() => {
        req.destroy();
        done();
      }, done);
    });
    // The server notices the reset and cleans up on its own: waited for, then checked.
    await until(async () => (await tempFilesIn(roots)).length === 0, {
      message: 'the temp file of the vanished upload stayed',
    });
    await expectNothingWritten(before);
    const listed = await rawRequest(running.url, '/admin/images', {
      headers: { Authorization: `Bearer ${CHILD_ADMIN_TOKEN}` },
    });
    expect(JSON.parse(listed.body.toString())).toEqual({ items: [], next: null });
    await expectStillServing(running);
  });

  it('survives a burst of 30 concurrent bombs and truncated uploads: every one a 4xx', async () => {
    const running = await start();
    const before = await listRoots(roots);
    const bodies: Buffer[] = [];
    const bomb = solidPngBomb(20_000, 20_000);
    const header = await pixelBombPng(60_000, 60_000);
    const cut = (await jpegImage(300, 200)).subarray(0, 900);
    for (let i = 0; i < 10; i += 1) {
      for (const bytes of [bomb, header, cut]) {
        bodies.push(
          Buffer.concat([fileHead(`b${i}.png`), bytes, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]),
        );
      }
    }
    const responses = await Promise.all(bodies.map((body) => post(running, body)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 422)).toHaveLength(20);
    expect(statuses.filter((status) => status === 415)).toHaveLength(10);
    await expectNothingWritten(before);
    await expectStillServing(running);
  });
});

/** Resident memory of a process, in bytes (Linux). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/**
 * Opens a chunked POST with no Authorization and keeps sending 64 KiB chunks, never the last
 * one. Resolves with the status line the server answered and the chunks sent until then.
 */
function endlessUnauthenticated(
  url: string,
  path: string,
): Promise<{ status: string; sent: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunk = Buffer.concat([
      Buffer.from('10000\r\n'),
      Buffer.alloc(0x10000, 0x5b),
      Buffer.from('\r\n'),
    ]);
    let answer = '';
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      if (socket.destroyed) return;
      socket.write(chunk);
      sent += 1;
      timer = setTimeout(pump, 5);
    };
    socket.on('connect', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      pump();
    });
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      if (!answer.includes('\r\n')) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: answer.split('\r\n')[0] ?? '', sent });
    });
    socket.on('error', (error) => reject(error));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer after ${sent} chunks`));
    }, 30_000).unref();
  });
}

describe('unauthenticated bodies (issue 14, item 1)', () => {
  it('answers 100 never-finished chunked POSTs 401 at once, holding none of their bytes', async () => {
    const running = await start();
    // Warm up first (the first requests load code and grow the heap whatever they carry).
    for (let i = 0; i < 3; i += 1) await expectStillServing(running);
    const before = await rssOf(running.pid);
    const paths = ['/admin/images/x', '/admin/images', '/admin/warm'];
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        endlessUnauthenticated(running.url, paths[i % 3] ?? ''),
      ),
    );
    const after = await rssOf(running.pid);
    console.info(
      `100 unauthenticated chunked POSTs: RSS ${(before / 2 ** 20).toFixed(0)} -> ${(after / 2 ** 20).toFixed(0)} MiB, chunks sent before the 401: max ${Math.max(...results.map((r) => r.sent))}`,
    );
    expect(results.map((r) => r.status)).toEqual(Array(100).fill('HTTP/1.1 401 Unauthorized'));
    expect(after - before).toBeLessThan(50 * 2 ** 20);
    await expectStillServing(running);
  });
});
