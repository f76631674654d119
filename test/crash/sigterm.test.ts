// Graceful shutdown of the BUILT server (`node dist/cli.js serve`; `npm test` builds first):
// on SIGTERM it answers no new request (refused or reset, never served), lets in-flight renders and a half-sent upload finish,
// exits 0 and leaves no temp file; the upload is registered after a restart. Past
// SHUTDOWN_TIMEOUT_MS it cuts what is left, exits 1 and still leaves no temp file.

import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CHILD_ADMIN_TOKEN,
  type ChildServer,
  requireBuiltCli,
  rootsIn,
  type ServerRoots,
  spawnServer,
} from '../helpers/child-server.js';
import { rawRequest } from '../helpers/http.js';
import { inspect, jpegImage, noiseJpeg } from '../helpers/images.js';
import { scrapeMetrics } from '../helpers/prometheus.js';
import { TEMP_DIR, tempFilesIn } from '../helpers/roots.js';
import { until } from '../helpers/until.js';

const auth = { Authorization: `Bearer ${CHILD_ADMIN_TOKEN}` };
const BOUNDARY = 'rendition-shutdown-test-boundary';

let dir: string;
let roots: ServerRoots;
let server: ChildServer | undefined;

beforeAll(() => {
  requireBuiltCli();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rendition-sigterm-'));
  roots = await rootsIn(dir);
});
afterEach(async () => {
  await server?.stop('SIGKILL');
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A multipart upload sent in two halves: the caller decides when the second half goes. */
function startUpload(
  url: string,
  path: string,
  bytes: Buffer,
): { finish(): void; response: Promise<{ status: number; body: string }>; request: ClientRequest } {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="path"\r\n\r\n${path}\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="up.jpg"\r\n` +
      'Content-Type: image/jpeg\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const half = Math.floor(bytes.length / 2);
  const { hostname, port } = new URL(url);
  let request!: ClientRequest;
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request = httpRequest(
      {
        host: hostname,
        port,
        path: '/admin/images',
        method: 'POST',
        agent: false,
        headers: {
          ...auth,
          'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
          'Content-Length': String(head.length + bytes.length + tail.length),
        },
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    request.on('error', reject);
  });
  request.write(Buffer.concat([head, bytes.subarray(0, half)]));
  return {
    finish: () => request.end(Buffer.concat([bytes.subarray(half), tail])),
    response,
    request,
  };
}

/** Resolves once the upload's temp file exists: the server is streaming it. */
async function uploadStreaming(): Promise<void> {
  await until(
    async () => {
      const names = await readdir(join(roots.mediaRoot, TEMP_DIR)).catch(() => [] as string[]);
      return names.length > 0;
    },
    { timeoutMs: 20_000, message: 'the upload never reached MEDIA_ROOT/:tmp' },
  );
}

/** Resolves once the server holds all `count` renders: one running, the rest queued. */
async function rendersHeld(url: string, count: number): Promise<void> {
  await until(
    async () => {
      const scrape = await scrapeMetrics(url);
      return (
        scrape.value('rendition_renders_in_flight') === 1 &&
        scrape.value('rendition_render_queue_length') === count - 1
      );
    },
    { timeoutMs: 20_000, message: `the server never held all ${count} renders` },
  );
}

/**
 * How a request sent now ends when it must not be answered: its connection is refused (the
 * listener is closed) or reset (it reached the kernel's accept queue as the listener closed;
 * which of the two depends on scheduling). An answer fails the test.
 */
async function unanswered(url: string): Promise<string> {
  try {
    const answer = await rawRequest(url, '/healthz');
    return `answered ${answer.status}`;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

describe('SIGTERM', () => {
  it('finishes in-flight renders and an upload, answers no new request, exits 0, leaves no temp file', async () => {
    server = await spawnServer(roots, { RENDER_CONCURRENCY: '1', ARBITRARY_SIZES: 'true' });
    const { url } = server;
    await writeFile(join(roots.mediaRoot, 'big.jpg'), await noiseJpeg(3000, 2000));
    const sizes = [1200, 1100, 1000, 900];
    const renders = sizes.map((size) =>
      rawRequest(url, `/media/big.jpg/crop/${size}x${size}.avif`),
    );
    const upload = startUpload(url, 'uploads/late.jpg', await jpegImage(1600, 1200));
    await uploadStreaming();
    // Every render request has been read (one running, three queued): all are in flight.
    await rendersHeld(url, sizes.length);

    server.child.kill('SIGTERM');
    // The server prints this line and closes its listener in the same tick, before it
    // accepts anything again: no request sent after the line may be answered.
    await server.printed('SIGTERM, finishing in-flight requests');
    const late = await Promise.all([unanswered(url), unanswered(url), unanswered(url)]);
    for (const outcome of late) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(outcome);
    upload.finish();

    const uploaded = await upload.response;
    expect(uploaded.status).toBe(201);
    expect(JSON.parse(uploaded.body)).toMatchObject({ path: 'uploads/late.jpg', width: 1600 });
    const answers = await Promise.all(renders);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    for (const [index, answer] of answers.entries()) {
      const size = sizes[index] ?? 0;
      expect(await inspect(answer.body)).toMatchObject({
        format: 'avif',
        width: size,
        height: size,
      });
    }
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toContain('SIGTERM, finishing in-flight requests');
    // The JSON access lines, batched in memory, were flushed before the exit.
    const logLines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logLines).toContainEqual(
      expect.objectContaining({
        msg: 'request',
        method: 'POST',
        path: '/admin/images',
        status: 201,
      }),
    );
    expect(logLines.filter((line) => line.outcome === 'miss')).toHaveLength(sizes.length);
    expect(await tempFilesIn(roots)).toEqual([]);
    for (const size of sizes) {
      const cached = await stat(join(roots.cacheRoot, `big.jpg/crop/${size}x${size}.avif`));
      expect(cached.size).toBeGreaterThan(0);
    }

    server = await spawnServer(roots);
    const record = await rawRequest(server.url, '/admin/images/uploads/late.jpg', {
      headers: auth,
    });
    expect(record.status).toBe(200);
    expect(JSON.parse(record.body.toString())).toMatchObject({ path: 'uploads/late.jpg' });
    expect((await stat(join(roots.mediaRoot, 'uploads/late.jpg'))).isFile()).toBe(true);
    // Four AVIF renders in one slot, then a drain: under a loaded machine this outlasts the
    // default 30 s. A deadline only, never a timed assertion.
  }, 120_000);

  it('cuts what is still running at SHUTDOWN_TIMEOUT_MS, exits 1 and leaves no temp file', async () => {
    server = await spawnServer(roots, { SHUTDOWN_TIMEOUT_MS: '300' });
    const upload = startUpload(server.url, 'uploads/stalled.jpg', await jpegImage(800, 600));
    const cut = upload.response.then(
      (answer) => `answered ${answer.status}`,
      (error: NodeJS.ErrnoException) => error.code ?? 'error',
    );
    await uploadStreaming();
    // The second half never comes: the upload is still in flight at the deadline.
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(await cut).toMatch(/^(ECONNRESET|EPIPE|answered 4\d\d)$/);
    expect(server.output()).toContain('SHUTDOWN_TIMEOUT_MS=300');
    expect(await tempFilesIn(roots)).toEqual([]);

    server = await spawnServer(roots);
    const record = await rawRequest(server.url, '/admin/images/uploads/stalled.jpg', {
      headers: auth,
    });
    expect(record.status).toBe(404);
  });
});
