// RENDITION_STORE=s3 against a real Ceph radosgw and a real PostgreSQL: three nodes with their
// own CACHE_ROOTs (node A behind the shipped nginx config) share one bucket and one registry. A miss on one node is answered from the
// object another rendered; concurrent misses on every node render once and store one object
// (conditional PUTs and advisory locks, which S3 mocks would not test); purges delete the
// objects; an object of another version is never served; a down gateway keeps local hits.

import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etagFor } from '../../src/cache/validators.js';
import { solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { BLUE, colourAt, GREEN, jpegImage, near, RED } from '../helpers/images.js';
import { skipWithoutPostgres, suiteDatabase } from '../helpers/postgres.js';
import { joinRadosgw, keysUnder, s3Settings, skipWithoutRadosgw } from '../helpers/radosgw.js';
import { type Gateway, type RadosgwCluster, startGateway } from '../helpers/radosgw-cluster.js';
import { skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

/** Room for a loaded machine: propagation takes milliseconds (a benchmark's question). */
const PROPAGATION_MS = 10_000;

const skip = skipWithoutRadosgw() || skipWithoutPostgres() || skipWithoutNginx();

describe.skipIf(skip)('shared renditions (RENDITION_STORE=s3) over three nodes', () => {
  let cluster: RadosgwCluster;
  let client: S3Client;
  let bucket: string;
  let env: Record<string, string>;
  let prefix: string;
  /** Node A behind the shipped nginx config. */
  let stack: NginxStack | undefined;
  let a: TestServer;
  let b: TestServer;
  let c: TestServer;
  const others: TestServer[] = [];
  let gateway: Gateway | undefined;

  beforeAll(async () => {
    ({ cluster, client, bucket } = await joinRadosgw('shared-renditions'));
    prefix = `site-${randomBytes(3).toString('hex')}/media`;
    env = {
      ...s3Settings(cluster, bucket, prefix),
      REGISTRY: 'postgres',
      DATABASE_URL: await suiteDatabase('shared-renditions'),
      REGISTRY_HEARTBEAT_MS: '100',
      RENDITION_STORE: 's3',
      ORIGINALS_RESCAN_SECONDS: '1',
      ALLOWED_SIZES: '100x100,80x80',
      HOT_CACHE_BYTES: String(16 * 1024 * 1024),
    };
    const [fronted, second, third] = await Promise.all([
      startNginxStack(env),
      startTestServer(env),
      startTestServer(env),
    ]);
    stack = fronted;
    a = fronted.server;
    b = second;
    c = third;
  });
  afterAll(async () => {
    await disposeNginxStack(stack);
    for (const server of [b, c, ...others]) await server?.dispose();
    await gateway?.stop();
    client?.destroy();
  });

  const nginxUrl = () => (stack as NginxStack).nginx.url;
  const sharedKey = (relative: string) => `${prefix}/:renditions/${relative}`;
  const renders = (...nodes: TestServer[]) =>
    nodes.reduce((sum, node) => sum + node.parts.cache.counters.renders, 0);

  const sharedKeysOf = (path: string) => keysUnder(client, bucket, `${sharedKey(path)}/`);

  async function get(node: TestServer, rendition: string) {
    const response = await fetch(`${node.url}/media/${rendition}`);
    return {
      status: response.status,
      cache: response.headers.get('x-rendition-cache'),
      etag: response.headers.get('etag'),
      body: Buffer.from(await response.arrayBuffer()),
    };
  }

  async function centreOf(node: TestServer, rendition: string) {
    const answer = await get(node, rendition);
    expect(answer.status, `${node.url}/media/${rendition}`).toBe(200);
    return colourAt(answer.body, 0.5, 0.5);
  }

  async function admin(node: TestServer, path: string, init: RequestInit): Promise<number> {
    const response = await fetch(`${node.url}/admin/images/${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${node.adminToken.token}`,
        'Content-Type': 'application/json',
      },
    });
    await response.arrayBuffer();
    return response.status;
  }

  it("answers B's miss with the object A rendered, without rendering again", async () => {
    await uploadOriginal(a.url, a.adminToken.token, await solidJpeg(400, 300, RED), 's/one.jpg');
    const rendition = 's/one.jpg/thumbnail/100x100.jpg';
    const before = renders(a, b, c);
    const first = await get(a, rendition);
    expect(first.cache).toBe('miss');
    expect(await sharedKeysOf('s/one.jpg')).toEqual([sharedKey(rendition)]);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: sharedKey(rendition) }),
    );
    expect(head.ContentType).toBe('image/jpeg');
    expect(head.Metadata?.['rendition-version']).toMatch(/^[0-9a-f]{32}$/);

    const second = await get(b, rendition);
    expect(second.cache).toBe('shared');
    expect(second.body.equals(first.body)).toBe(true);
    expect(renders(a, b, c) - before).toBe(1);
    // Copied into B's own cache (written behind the answer): the next answer is B's local hit,
    // and the file carries the validators the first answer sent, so nginx's will agree.
    const next = await get(b, rendition);
    expect(next.cache).toBe('hit');
    expect(next.etag).toBe(second.etag);
    const file = join(b.config.roots.cacheRoot, rendition);
    await until(async () => (await stat(file).catch(() => undefined)) !== undefined, {
      timeoutMs: PROPAGATION_MS,
      message: `${file} never landed`,
    });
    const { mtimeMs, size } = await stat(file);
    expect(etagFor(mtimeMs, size)).toBe(second.etag);
  });

  it('shares what a registration warmed: the other nodes render nothing', async () => {
    const before = renders(b, c);
    await uploadOriginal(
      a.url,
      a.adminToken.token,
      await solidJpeg(400, 300, GREEN),
      's/warm.jpg',
      {
        warm: 'image',
      },
    );
    const warmed = await sharedKeysOf('s/warm.jpg');
    expect(warmed.length).toBeGreaterThan(0);
    const rendition = (warmed[0] as string).slice(sharedKey('').length);
    for (const node of [b, c]) {
      const answer = await get(node, rendition);
      expect(answer.cache).toBe('shared');
      expect(near(await colourAt(answer.body, 0.5, 0.5), GREEN)).toBe(true);
    }
    expect(renders(b, c) - before).toBe(0);
  });

  it('renders 3 x 16 concurrent cold misses over the nodes once, into one object', async () => {
    await uploadOriginal(b.url, b.adminToken.token, await jpegImage(1600, 1200), 's/burst.jpg');
    const rendition = 's/burst.jpg/crop/80x80.webp';
    const before = renders(a, b, c);
    const answers = await Promise.all(
      [a, b, c].flatMap((node) => Array.from({ length: 16 }, () => get(node, rendition))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const bodies = new Set(answers.map((answer) => answer.body.toString('base64')));
    expect(bodies.size).toBe(1);
    expect(renders(a, b, c) - before).toBe(1);
    expect(await sharedKeysOf('s/burst.jpg')).toEqual([sharedKey(rendition)]);
    const outcomes = new Set(answers.map((answer) => answer.cache));
    expect(outcomes.has('miss')).toBe(true);
    expect(outcomes.has('shared')).toBe(true);
  });

  it('deletes the objects with the original: no node serves the rendition after a delete', async () => {
    await uploadOriginal(a.url, a.adminToken.token, await solidJpeg(400, 300, RED), 's/del.jpg');
    const thumbnail = 's/del.jpg/thumbnail/100x100.jpg';
    const crop = 's/del.jpg/crop/80x80.png';
    for (const node of [a, b]) {
      expect((await get(node, thumbnail)).status).toBe(200);
      expect((await get(node, crop)).status).toBe(200);
    }
    // A's nginx serves the file from A's cache with try_files, Node untouched.
    const fromNginx = await fetch(`${nginxUrl()}/media/${thumbnail}`);
    await fromNginx.arrayBuffer();
    expect(fromNginx.status).toBe(200);
    expect(fromNginx.headers.get('x-rendition-cache')).toBeNull();
    expect(await sharedKeysOf('s/del.jpg')).toHaveLength(2);
    expect(await admin(c, 's/del.jpg', { method: 'DELETE' })).toBe(204);
    expect(await sharedKeysOf('s/del.jpg')).toEqual([]);
    await until(async () => (await get(b, thumbnail)).status === 404, {
      timeoutMs: PROPAGATION_MS,
      message: 'B kept serving a deleted original',
    });
    for (const node of [a, b, c]) expect((await get(node, crop)).status).toBe(404);
    expect((await fetch(`${nginxUrl()}/media/${thumbnail}`)).status).toBe(404);
  });

  it('drops only the crops after a PPOI change, and re-crops every node around it', async () => {
    // Red left half, blue right half: a square crop shows the half its focus is in.
    await uploadOriginal(a.url, a.adminToken.token, await jpegImage(400, 200), 's/ppoi.jpg');
    const crop = 's/ppoi.jpg/crop/100x100.png';
    const thumbnail = 's/ppoi.jpg/thumbnail/100x100.png';
    const focus = (x: number) => JSON.stringify({ ppoi: { x, y: 0.5 } });
    expect(await admin(a, 's/ppoi.jpg', { method: 'PATCH', body: focus(0.1) })).toBe(200);
    expect(near(await centreOf(a, crop), RED)).toBe(true);
    await centreOf(a, thumbnail);
    expect(await sharedKeysOf('s/ppoi.jpg')).toEqual([sharedKey(crop), sharedKey(thumbnail)]);

    expect(await admin(a, 's/ppoi.jpg', { method: 'PATCH', body: focus(0.9) })).toBe(200);
    expect(await sharedKeysOf('s/ppoi.jpg')).toEqual([sharedKey(thumbnail)]);
    for (const node of [b, c]) {
      await until(async () => near(await centreOf(node, crop), BLUE), {
        timeoutMs: PROPAGATION_MS,
        message: `${node.url} kept cropping around the old PPOI`,
      });
    }
    expect((await get(b, thumbnail)).cache).toBe('shared');
  });

  it('never serves an object of another version: it is deleted and rendered again', async () => {
    await uploadOriginal(a.url, a.adminToken.token, await solidJpeg(400, 300, GREEN), 's/old.jpg');
    const rendition = 's/old.jpg/thumbnail/100x100.jpg';
    // What a render that raced a replace on another node leaves: old pixels, old version.
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: sharedKey(rendition),
        Body: await solidJpeg(100, 75, RED),
        ContentType: 'image/jpeg',
        Metadata: { 'rendition-version': 'f'.repeat(32) },
      }),
    );
    const answer = await get(c, rendition);
    expect(answer.cache).toBe('miss');
    expect(near(await colourAt(answer.body, 0.5, 0.5), GREEN)).toBe(true);
    const stored = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: sharedKey(rendition) }),
    );
    expect(stored.Metadata?.['rendition-version']).not.toBe('f'.repeat(32));
    const bytes = Buffer.from(await (stored.Body?.transformToByteArray() ?? new Uint8Array()));
    expect(near(await colourAt(bytes, 0.5, 0.5), GREEN)).toBe(true);
  });

  it('serves the new pixels on every node after a replace on B', async () => {
    await uploadOriginal(b.url, b.adminToken.token, await solidJpeg(400, 300, RED), 's/rep.jpg');
    const rendition = 's/rep.jpg/crop/80x80.jpg';
    for (const node of [a, b, c]) expect(near(await centreOf(node, rendition), RED)).toBe(true);
    await uploadOriginal(b.url, b.adminToken.token, await solidJpeg(400, 300, BLUE), 's/rep.jpg', {
      replace: true,
    });
    for (const node of [a, b, c]) {
      await until(async () => near(await centreOf(node, rendition), BLUE), {
        timeoutMs: PROPAGATION_MS,
        message: `${node.url} kept serving the replaced original's pixels`,
      });
    }
    expect(await sharedKeysOf('s/rep.jpg')).toEqual([sharedKey(rendition)]);
  });

  it('purges a copied-in rendition when its original is replaced behind our back', async () => {
    const key = `${prefix}/theirs/swap.jpg`;
    const put = async (colour: typeof RED) =>
      client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: await solidJpeg(300, 200, colour) }),
      );
    await put(RED);
    const rendition = 'theirs/swap.jpg/thumbnail/100x100.jpg';
    // Rendered by a node that then leaves: no node that read the original is left to notice.
    const e = await startTestServer(env);
    expect((await get(e, rendition)).cache).toBe('miss');
    await e.dispose();
    // B never reads this original: its copy came from E's object.
    const copied = await get(b, rendition);
    expect(copied.cache).toBe('shared');
    expect(near(await colourAt(copied.body, 0.5, 0.5), RED)).toBe(true);
    await put(BLUE);
    // ORIGINALS_RESCAN_SECONDS=1: B's next listing notices the new ETag and purges.
    await until(async () => near(await centreOf(b, rendition), BLUE), {
      timeoutMs: PROPAGATION_MS,
      message: "B kept serving the pixels of an object replaced behind rendition's back",
    });
  });

  it('keeps serving local hits with its gateway down, answers misses 503, then recovers', async () => {
    gateway = await startGateway(cluster);
    const d = await startTestServer({ ...env, S3_ENDPOINT: gateway.endpoint });
    others.push(d);
    await uploadOriginal(a.url, a.adminToken.token, await solidJpeg(400, 300, RED), 's/down.jpg');
    const cached = 's/down.jpg/thumbnail/100x100.jpg';
    expect((await get(d, cached)).status).toBe(200);
    await gateway.stop();
    const hit = await get(d, cached);
    expect(hit.status).toBe(200);
    expect(hit.cache).toBe('hit');
    const miss = await get(d, 's/down.jpg/crop/80x80.jpg');
    expect(miss.status).toBe(503);
    const { error } = JSON.parse(miss.body.toString()) as {
      error: { code: string; message: string };
    };
    expect(error.code).toBe('ORIGINALS_UNAVAILABLE');
    expect(error.message).toContain('S3_ENDPOINT');
    await gateway.start();
    expect((await get(d, 's/down.jpg/crop/80x80.jpg')).status).toBe(200);
  });
});
