// ORIGINALS_STORE=s3 over real HTTP, against a real Ceph radosgw: registration, 409 and
// replace, delete, renders of objects another app wrote, a change behind rendition's back,
// the byte cap, non-images, traversal, presigned redirects, a gateway going down, start-up.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RANGE_BYTES } from '../../src/originals/ranged-get.js';
import { createLogger } from '../../src/log/logger.js';
import { startServerWithParts } from '../../src/server.js';
import { solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { runCli } from '../helpers/cli.js';
import { BLUE, colourAt, GREEN, inspect, near, noiseJpeg, RED } from '../helpers/images.js';
import { skipWithoutPostgres, suiteDatabase } from '../helpers/postgres.js';
import { joinRadosgw, keysUnder, s3Settings, skipWithoutRadosgw } from '../helpers/radosgw.js';
import { type RadosgwCluster, startGateway } from '../helpers/radosgw-cluster.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const skip = skipWithoutRadosgw();
let cluster: RadosgwCluster;
let client: S3Client;
let bucket: string;
const servers: TestServer[] = [];

beforeAll(async () => {
  if (skip) return;
  ({ cluster, client, bucket } = await joinRadosgw('http-s3'));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.dispose()));
  client?.destroy();
});

/** A server in s3 mode with a prefix of its own. */
async function s3Server(env: Record<string, string> = {}, endpoint = cluster.endpoint) {
  const prefix = env.S3_PREFIX ?? `node-${randomBytes(4).toString('hex')}/media`;
  const server = await startTestServer({
    ...s3Settings(cluster, bucket, prefix, endpoint),
    ORIGINALS_RESCAN_SECONDS: '1',
    ALLOWED_SIZES: '100x100',
    ...env,
  });
  servers.push(server);
  return { server, prefix };
}

const keysOf = (prefix: string) => keysUnder(client, bucket, prefix);

async function putBehind(key: string, body: Uint8Array | string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function get(server: TestServer, url: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${url}`, { redirect: 'manual', ...init });
  return {
    status: response.status,
    headers: response.headers,
    body: Buffer.from(await response.arrayBuffer()),
  };
}

function codeOf(reply: { body: Buffer }): string {
  return (JSON.parse(reply.body.toString()) as { error: { code: string } }).error.code;
}

describe.skipIf(skip)('ORIGINALS_STORE=s3 over HTTP', () => {
  let node: TestServer;
  let prefix: string;
  beforeAll(async () => {
    ({ server: node, prefix } = await s3Server());
  });

  it('registers into the bucket, refuses a second create (409), replaces and deletes', async () => {
    const token = node.adminToken.token;
    await uploadOriginal(node.url, token, await solidJpeg(400, 300, RED), 'a/pic.jpg', {
      warm: 'image',
    });
    expect(await keysOf(`${prefix}/`)).toEqual([`${prefix}/a/pic.jpg`]);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `${prefix}/a/pic.jpg` }),
    );
    expect(head.ContentType).toBe('image/jpeg');
    const red = await get(node, '/media/a/pic.jpg/thumbnail/180x180.jpg');
    expect(red.status).toBe(200);
    expect(near(await colourAt(red.body, 0.5, 0.5), RED)).toBe(true);

    await expect(
      uploadOriginal(node.url, token, await solidJpeg(400, 300, BLUE), 'a/pic.jpg'),
    ).rejects.toThrow(/^upload of a\/pic.jpg: 409 .*CONFLICT/);
    await uploadOriginal(node.url, token, await solidJpeg(400, 300, BLUE), 'a/pic.jpg', {
      replace: true,
    });
    const blue = await get(node, '/media/a/pic.jpg/thumbnail/180x180.jpg');
    expect(near(await colourAt(blue.body, 0.5, 0.5), BLUE)).toBe(true);

    const deleted = await fetch(`${node.url}/admin/images/a/pic.jpg`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(deleted.status).toBe(204);
    expect(await keysOf(`${prefix}/`)).toEqual([]);
    const gone = await get(node, '/media/a/pic.jpg/thumbnail/180x180.jpg');
    expect(gone.status).toBe(404);
    expect(codeOf(gone)).toBe('ORIGINAL_NOT_FOUND');
  });

  it('registers by URL into the bucket, warming from the validated file', async () => {
    const jpeg = await solidJpeg(300, 200, GREEN);
    const source = createServer((_req, res) => res.writeHead(200).end(jpeg));
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    try {
      const { server: fetching, prefix: fetchPrefix } = await s3Server({
        FETCH_ALLOW_CIDRS: '127.0.0.1/32',
      });
      const port = (source.address() as AddressInfo).port;
      const response = await fetch(`${fetching.url}/admin/images`, {
        method: 'POST',
        body: JSON.stringify({
          url: `http://images.test:${port}/x.jpg`,
          path: 'by-url/x.jpg',
          warm: ['image'],
        }),
        headers: {
          Authorization: `Bearer ${fetching.adminToken.token}`,
          'Content-Type': 'application/json',
        },
      });
      expect(response.status).toBe(201);
      const body = (await response.json()) as { warmed: { image: { created: number } } };
      expect(body.warmed.image.created).toBeGreaterThan(0);
      expect(await keysOf(`${fetchPrefix}/`)).toEqual([`${fetchPrefix}/by-url/x.jpg`]);
    } finally {
      await new Promise((resolve) => source.close(resolve));
    }
  });

  it('lets an invalid upload leave no object behind', async () => {
    const form = new FormData();
    form.set('path', 'bad/not-an-image.jpg');
    form.set('file', new Blob([Buffer.from('this is no JPEG at all')]), 'x.jpg');
    const response = await fetch(`${node.url}/admin/images`, {
      method: 'POST',
      body: form,
      headers: { Authorization: `Bearer ${node.adminToken.token}` },
    });
    expect(response.status).toBe(415);
    expect(await keysOf(`${prefix}/bad/`)).toEqual([]);
  });

  it('renders objects another app wrote; a non-image object is 415', async () => {
    await putBehind(`${prefix}/theirs/photo.jpg`, await solidJpeg(300, 200, GREEN));
    const reply = await get(node, '/media/theirs/photo.jpg/crop/100x100.webp');
    expect(reply.status).toBe(200);
    expect(await inspect(reply.body)).toMatchObject({ format: 'webp', width: 100, height: 100 });
    await putBehind(`${prefix}/theirs/notes.jpg`, 'plain text, not an image');
    const refused = await get(node, '/media/theirs/notes.jpg/crop/100x100.webp');
    expect(refused.status).toBe(415);
    expect(codeOf(refused)).toBe('UNSUPPORTED_IMAGE');
  });

  it('purges the renditions of an object replaced behind its back (within the rescan)', async () => {
    const key = `${prefix}/behind/swap.jpg`;
    await putBehind(key, await solidJpeg(300, 200, RED));
    const url = '/media/behind/swap.jpg/thumbnail/100x100.jpg';
    // A miss, then hits from disk and memory: all red.
    for (let i = 0; i < 3; i += 1) {
      const reply = await get(node, url);
      expect(near(await colourAt(reply.body, 0.5, 0.5), RED)).toBe(true);
    }
    await putBehind(key, await solidJpeg(300, 200, BLUE));
    // ORIGINALS_RESCAN_SECONDS=1: the next listing notices the new ETag and purges.
    await expect
      .poll(async () => near(await colourAt((await get(node, url)).body, 0.5, 0.5), BLUE))
      .toBe(true);
  });

  it('notices an object replaced while the node was down, at its first rescan', async () => {
    const { server: first, prefix: restartPrefix } = await s3Server();
    const key = `${restartPrefix}/restart.jpg`;
    await putBehind(key, await solidJpeg(300, 200, RED));
    const url = '/media/restart.jpg/thumbnail/100x100.jpg';
    expect(near(await colourAt((await get(first, url)).body, 0.5, 0.5), RED)).toBe(true);
    await first.close();
    await putBehind(key, await solidJpeg(300, 200, BLUE));
    // The same roots: its rendition of the red original is still on disk.
    const again = await startServerWithParts(first.config, {
      logger: createLogger({ level: 'error', destination: { write: () => {} } }),
      processMetrics: false,
    });
    try {
      await expect
        .poll(async () => {
          const reply = await fetch(`${again.url}${url}`);
          return near(await colourAt(Buffer.from(await reply.arrayBuffer()), 0.5, 0.5), BLUE);
        })
        .toBe(true);
    } finally {
      await again.close();
    }
  });

  it.skipIf(skipWithoutPostgres())(
    "drops a node's copy when another node replaces the original (purge log, not rescan)",
    async () => {
      const shared = {
        REGISTRY: 'postgres',
        DATABASE_URL: await suiteDatabase('s3_nodes'),
        S3_PREFIX: `shared-${randomBytes(4).toString('hex')}`,
        // Far beyond the test: only the purge log can tell B in time.
        ORIGINALS_RESCAN_SECONDS: '3600',
      };
      const { server: a } = await s3Server(shared);
      const { server: b } = await s3Server(shared);
      const token = a.adminToken.token;
      await uploadOriginal(a.url, token, await solidJpeg(300, 200, RED), 'shared.jpg');
      const red = await get(b, '/media/shared.jpg/thumbnail/180x180.jpg');
      expect(near(await colourAt(red.body, 0.5, 0.5), RED)).toBe(true);
      await uploadOriginal(a.url, token, await solidJpeg(300, 200, BLUE), 'shared.jpg', {
        replace: true,
      });
      // A size B never rendered: made from whatever copy B holds.
      await expect
        .poll(async () => {
          const reply = await get(b, '/media/shared.jpg/thumbnail/100x100.jpg');
          return near(await colourAt(reply.body, 0.5, 0.5), BLUE);
        })
        .toBe(true);
    },
  );

  it('reads a large original as ranges, byte for byte, and caps it from the first range', async () => {
    const bytes = await noiseJpeg(4000, 4000);
    // Past the first request's RANGE_BYTES: the ranges must join into exactly these bytes.
    expect(bytes.length).toBeGreaterThan(RANGE_BYTES);
    await putBehind(`${prefix}/large/noise.jpg`, bytes);
    const served = await get(node, '/media/large/noise.jpg');
    expect(served.status).toBe(200);
    expect(served.body.equals(bytes)).toBe(true);
    const rendered = await get(node, '/media/large/noise.jpg/thumbnail/100x100.png');
    expect(rendered.status).toBe(200);
    const local = await sharp(bytes).resize(100, 100, { fit: 'inside' }).raw().toBuffer();
    const remote = await sharp(rendered.body).raw().toBuffer();
    expect(remote.length).toBe(local.length);

    const { server: capped, prefix: cappedPrefix } = await s3Server({
      MAX_SOURCE_BYTES: String(RANGE_BYTES + 10),
    });
    await putBehind(`${cappedPrefix}/large/noise.jpg`, bytes);
    const refused = await get(capped, '/media/large/noise.jpg/thumbnail/100x100.jpg');
    expect(refused.status).toBe(413);
    expect(codeOf(refused)).toBe('SOURCE_TOO_LARGE');
  });

  it('refuses an object over MAX_SOURCE_BYTES with 413', async () => {
    const { server: capped, prefix: cappedPrefix } = await s3Server({ MAX_SOURCE_BYTES: '2000' });
    await putBehind(`${cappedPrefix}/big.jpg`, await solidJpeg(800, 600, RED));
    const reply = await get(capped, '/media/big.jpg/thumbnail/100x100.jpg');
    expect(reply.status).toBe(413);
    expect(codeOf(reply)).toBe('SOURCE_TOO_LARGE');
  });

  it('streams an original with validators, or redirects to a presigned URL', async () => {
    const bytes = await solidJpeg(200, 100, GREEN);
    await putBehind(`${prefix}/served/original.jpg`, bytes);
    const streamed = await get(node, '/media/served/original.jpg');
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toBe('image/jpeg');
    expect(streamed.headers.get('etag')).toMatch(/^"/);
    expect(streamed.headers.get('last-modified')).not.toBeNull();
    expect(streamed.body.equals(bytes)).toBe(true);
    const revalidated = await get(node, '/media/served/original.jpg', {
      headers: { 'If-None-Match': streamed.headers.get('etag') ?? '' },
    });
    expect(revalidated.status).toBe(304);

    const { server: redirecting, prefix: redirectPrefix } = await s3Server({
      ORIGINALS_REDIRECT_SECONDS: '60',
    });
    await putBehind(`${redirectPrefix}/served/original.jpg`, bytes);
    const redirect = await get(redirecting, '/media/served/original.jpg');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('cache-control')).toBe('no-store');
    const location = redirect.headers.get('location') ?? '';
    expect(location).toContain('X-Amz-Expires=60');
    const fetched = await fetch(location);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await get(redirecting, '/media/served/missing.jpg')).status).toBe(404);
  });

  it('never reaches a key beside its prefix, whatever the spelling', async () => {
    const beside = prefix.split('/')[0];
    await putBehind(`${beside}/secret.jpg`, await solidJpeg(50, 50, RED));
    await putBehind(`${prefix}/.env`, 'SECRET=1');
    for (const url of [
      '/media/../secret.jpg',
      '/media/%2e%2e/secret.jpg',
      '/media/%2E%2E%2Fsecret.jpg',
      '/media/a%5c..%5c..%5csecret.jpg',
      '/media//secret.jpg',
      '/media/.env',
      '/media/%2eenv',
    ]) {
      const reply = await get(node, url);
      expect([400, 404], url).toContain(reply.status);
      expect(reply.body.toString(), url).not.toContain('SECRET');
    }
    // The object beside the prefix is still only where it was.
    const kept = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: `${beside}/secret.jpg` }),
    );
    expect(kept.ContentLength).toBeGreaterThan(0);
  });

  it('answers misses 503 ORIGINALS_UNAVAILABLE while the gateway is down, hits keep serving', async () => {
    const gateway = await startGateway(cluster);
    try {
      const { server: cut, prefix: cutPrefix } = await s3Server({}, gateway.endpoint);
      await putBehind(`${cutPrefix}/down.jpg`, await solidJpeg(300, 200, RED));
      const hit = '/media/down.jpg/thumbnail/100x100.jpg';
      expect((await get(cut, hit)).status).toBe(200);
      await gateway.stop();
      const cached = await get(cut, hit);
      expect(cached.status).toBe(200);
      expect(near(await colourAt(cached.body, 0.5, 0.5), RED)).toBe(true);
      // A new rendition of an original the node has no fresh copy of.
      await putBehind(`${cutPrefix}/other.jpg`, await solidJpeg(300, 200, RED));
      const miss = await get(cut, '/media/other.jpg/thumbnail/100x100.jpg');
      expect(miss.status).toBe(503);
      expect(codeOf(miss)).toBe('ORIGINALS_UNAVAILABLE');
      expect(miss.headers.get('retry-after')).toBe('5');
      expect(JSON.parse(miss.body.toString()).error.message).toMatch(/S3_ENDPOINT/);
      // /healthz names the bucket (its probe is cached for 2 s: poll past a stale 'ok').
      await expect
        .poll(async () => JSON.parse((await get(cut, '/healthz')).body.toString()), {
          timeout: 10_000,
        })
        .toMatchObject({ status: 'unavailable', checks: { originals: /^bucket .*ECONNREFUSED/ } });
      const down = await get(cut, '/healthz');
      expect(down.status).toBe(503);
      expect(JSON.parse(down.body.toString()).checks).toMatchObject({
        registry: 'ok',
        cacheRoot: 'ok',
      });
      await gateway.start();
      await expect
        .poll(async () => (await get(cut, '/media/other.jpg/thumbnail/100x100.jpg')).status)
        .toBe(200);
      await expect
        .poll(async () => (await get(cut, '/healthz')).status, { timeout: 10_000 })
        .toBe(200);
    } finally {
      await gateway.stop();
    }
  });

  it('renders only registered originals with REQUIRE_REGISTRATION=true', async () => {
    const { server: strict, prefix: strictPrefix } = await s3Server({
      REQUIRE_REGISTRATION: 'true',
    });
    await putBehind(`${strictPrefix}/unregistered.jpg`, await solidJpeg(300, 200, RED));
    const reply = await get(strict, '/media/unregistered.jpg/thumbnail/100x100.jpg');
    expect(reply.status).toBe(404);
    expect(codeOf(reply)).toBe('ORIGINAL_NOT_FOUND');
  });

  it('makes `rendition serve` exit 1 with one line naming the setting', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rendition-s3-cli-'));
    try {
      const result = await runCli(
        ['serve'],
        {
          HOST: '127.0.0.1',
          PORT: '0',
          MEDIA_ROOT: join(dir, 'media'),
          CACHE_ROOT: join(dir, 'cache'),
          DATA_DIR: join(dir, 'data'),
          ORIGINALS_STORE: 's3',
          S3_ENDPOINT: cluster.endpoint,
          S3_BUCKET: bucket,
          S3_FORCE_PATH_STYLE: 'true',
          AWS_ACCESS_KEY_ID: cluster.accessKeyId,
          AWS_SECRET_ACCESS_KEY: 'not-the-secret',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        { cwd: dir },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(
        /^rendition: S3_BUCKET=\S+ at S3_ENDPOINT=\S+ refused the credentials \(HTTP 403\): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY[^\n]*\n$/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops the start with one line on wrong credentials or a missing bucket', async () => {
    const secret = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret';
    try {
      await expect(s3Server()).rejects.toThrow(/refused the credentials \(HTTP 403\)/);
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = secret;
    }
    await expect(s3Server({ S3_BUCKET: 'no-such-bucket-anywhere' })).rejects.toThrow(
      /^S3_BUCKET=no-such-bucket-anywhere at S3_ENDPOINT=http:\/\/127\.0\.0\.1:\d+ does not exist/,
    );
  });
});
