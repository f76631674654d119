// The S3 originals store against a real Ceph radosgw: the shared contract, then what only a
// bucket does (read-through copies fetched once, the byte cap, rescans, start-up checks).

import { randomBytes } from 'node:crypto';
import {
  type ClientRequest,
  createServer,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OriginalsStore } from '../../src/originals/originals-store.js';
import { openS3Originals, type S3OriginalsOptions } from '../../src/originals/s3-originals.js';
import { ChangedWhileRead, rangedGet } from '../../src/originals/ranged-get.js';
import type { RadosgwCluster } from '../helpers/radosgw-cluster.js';
import { joinRadosgw, s3ClientOf, skipWithoutRadosgw } from '../helpers/radosgw.js';
import { describeOriginalsContract } from './originals-contract.js';
import { inputBytes } from '../helpers/original-bytes.js';

const skip = skipWithoutRadosgw();
let cluster: RadosgwCluster;
let client: S3Client;
let bucket: string;
const dirs: string[] = [];

beforeAll(async () => {
  if (skip) return;
  ({ cluster, client, bucket } = await joinRadosgw('s3-originals'));
});
afterAll(() => client?.destroy());
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** `req` sent on to radosgw as it came: the upstream request of a transparent proxy. */
function toRadosgw(
  req: IncomingMessage,
  onAnswer: (answer: IncomingMessage) => void,
): ClientRequest {
  const target = new URL(cluster.endpoint);
  const { url: path, method, headers } = req;
  return request({ host: target.hostname, port: target.port, path, method, headers }, onAnswer);
}

async function storeAt(
  prefix: string,
  overrides: Partial<S3OriginalsOptions> = {},
): Promise<OriginalsStore> {
  const workDir = await mkdtemp(join(tmpdir(), 'rendition-s3-work-'));
  dirs.push(workDir);
  return openS3Originals({
    location: {
      endpoint: cluster.endpoint,
      region: cluster.region,
      bucket,
      prefix,
      forcePathStyle: true,
    },
    workDir,
    cacheBytes: 10 * 1024 * 1024,
    versionsFile: join(workDir, 'etags.json'),
    maxBytes: 10 * 1024 * 1024,
    timeoutMs: 10_000,
    rescanMs: 1_000,
    redirectSeconds: 0,
    onChanged: async () => {},
    onError: () => {},
    ...overrides,
  });
}

async function putBehind(key: string, body: Buffer | string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

describe.skipIf(skip)('S3 originals', () => {
  describeOriginalsContract('s3 (radosgw)', () => {
    let prefix = '';
    return {
      open() {
        prefix = `contract-${randomBytes(4).toString('hex')}/media`;
        return storeAt(prefix);
      },
      writeBehind: (path, bytes) => putBehind(posix.normalize(`${prefix}/${path}`), bytes),
    };
  });

  it('fetches an original once for a burst of opens, and serves its copy', async () => {
    const prefix = `burst-${randomBytes(4).toString('hex')}`;
    const store = await storeAt(prefix);
    await putBehind(`${prefix}/burst.jpg`, 'burst bytes');
    const opened = await Promise.all(Array.from({ length: 9 }, () => store.open('burst.jpg')));
    // One fetch: every open of the burst reads the same bytes in memory.
    expect(new Set(opened.map((o) => o.input)).size).toBe(1);
    expect(opened[0]?.input).toBeInstanceOf(Buffer);
    expect((await inputBytes(opened[0]?.input ?? '')).toString()).toBe('burst bytes');
    for (const o of opened) o.release();
    await store.close();
  });

  it('fetches into buffers used again, and serves an original from bytes of its own', async () => {
    const prefix = `pool-${randomBytes(4).toString('hex')}`;
    // ORIGINALS_CACHE_BYTES=0: every open fetches, the bytes only ever in memory.
    const store = await storeAt(prefix, { cacheBytes: 0 });
    const a = Buffer.alloc(1.5 * 1024 * 1024, 'a');
    const b = Buffer.alloc(1.5 * 1024 * 1024, 'b');
    await putBehind(`${prefix}/a.jpg`, a);
    await putBehind(`${prefix}/b.jpg`, b);
    const first = await store.open('a.jpg');
    const reused = (first.input as Buffer).buffer;
    first.release();
    const second = await store.open('b.jpg');
    expect((second.input as Buffer).buffer).toBe(reused);
    expect((await inputBytes(second.input)).equals(b)).toBe(true);
    second.release();
    // The response is sent after the lease ends: its bytes must not be the pool's.
    const served = await store.serve('a.jpg');
    const third = await store.open('b.jpg');
    expect(served.kind === 'body' && served.body.kind === 'buffer').toBe(true);
    if (served.kind === 'body' && served.body.kind === 'buffer') {
      expect(served.body.buffer.equals(a)).toBe(true);
    }
    third.release();
    await store.close();
  });

  it('reads an object as ranges into one buffer or a file, byte for byte, or not at all when held', async () => {
    const key = `ranges-${randomBytes(4).toString('hex')}/object.bin`;
    const bytes = randomBytes(300 * 1024 + 7);
    const put = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
    const dir = await mkdtemp(join(tmpdir(), 'rendition-ranges-'));
    dirs.push(dir);
    const file = join(dir, 'object.bin');
    const read = (held: string | undefined, limits: { maxBytes?: number; memoryBytes?: number }) =>
      rangedGet({
        client,
        bucket,
        key,
        file,
        held,
        maxBytes: limits.maxBytes ?? bytes.length,
        signal: AbortSignal.timeout(10_000),
        tooLarge: (size) => new Error(`too large: ${size}`),
        rangeBytes: 64 * 1024,
        memoryBytes: limits.memoryBytes ?? bytes.length,
      });
    const inMemory = await read(undefined, {});
    if (inMemory.kind !== 'fetched') throw new Error(`expected bytes, got ${inMemory.kind}`);
    expect(inMemory.size).toBe(bytes.length);
    expect(inMemory.bytes?.equals(bytes)).toBe(true);
    expect(`"${inMemory.version}"`).toBe(put.ETag);
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);

    const inFile = await read(undefined, { memoryBytes: 100 * 1024 });
    if (inFile.kind !== 'fetched') throw new Error(`expected a file, got ${inFile.kind}`);
    expect(inFile.bytes).toBeUndefined();
    expect((await readFile(file)).equals(bytes)).toBe(true);

    expect(await read(inMemory.version, {})).toEqual({ kind: 'unchanged' });
    await expect(read(undefined, { maxBytes: bytes.length - 1 })).rejects.toThrow(
      `too large: ${bytes.length}`,
    );
  });

  it('refuses an object replaced between two of its ranges, then reads the new one whole', async () => {
    // A transparent proxy to radosgw that replaces the object before the first range after
    // the first request: the ranges then carry another ETag than the first response did.
    const key = `replaced-${randomBytes(4).toString('hex')}/object.bin`;
    const before = randomBytes(256 * 1024);
    const after = randomBytes(256 * 1024);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: before }));
    let gets = 0;
    let replaced: Promise<unknown> | undefined;
    const proxy = createServer(async (req, res) => {
      gets += 1;
      // Every range waits for the replace, so none races the PUT.
      if (gets === 2) {
        replaced = client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: after }));
      }
      if (gets >= 2) await replaced;
      const upstream = toRadosgw(req, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      // GETs have no body (and req may have ended while the replace was awaited).
      upstream.end();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = s3ClientOf(
      cluster,
      `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    );
    try {
      const read = () =>
        rangedGet({
          client: proxied,
          bucket,
          key,
          file: join(tmpdir(), `rendition-never-${randomBytes(4).toString('hex')}`),
          held: undefined,
          maxBytes: 1024 * 1024,
          memoryBytes: 1024 * 1024,
          signal: AbortSignal.timeout(10_000),
          tooLarge: (size) => new Error(`too large: ${size}`),
          rangeBytes: 16 * 1024,
        });
      await expect(read()).rejects.toBeInstanceOf(ChangedWhileRead);
      const again = await read();
      if (again.kind !== 'fetched') throw new Error(`expected bytes, got ${again.kind}`);
      expect(again.bytes?.equals(after)).toBe(true);
    } finally {
      proxied.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('uploads a big file in parts, still refusing to clobber (409)', async () => {
    const prefix = `multipart-${randomBytes(4).toString('hex')}`;
    const store = await storeAt(prefix, {
      maxBytes: 64 * 1024 * 1024,
      cacheBytes: 64 * 1024 * 1024,
    });
    const big = randomBytes(17 * 1024 * 1024);
    const place = async (replace: boolean) => {
      const temp = await store.tempFile();
      await writeFile(temp, big);
      return store.place(temp, 'big.jpg', replace);
    };
    expect(await place(false)).toEqual({ replaced: false });
    await expect(place(false)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await place(true)).toEqual({ replaced: true });
    const original = await store.open('big.jpg');
    expect(original.size).toBe(big.length);
    expect((await inputBytes(original.input)).equals(big)).toBe(true);
    original.release();
    await store.close();
  });

  it('gives up on an object whose body stalls, within the fetch timeout (503)', async () => {
    // A transparent HTTP proxy to radosgw that sends the headers of slow.jpg, then nothing.
    const stalled: ServerResponse[] = [];
    const proxy = createServer((req, res) => {
      const upstream = toRadosgw(req, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (req.method === 'GET' && req.url?.includes('slow.jpg')) {
          res.write('x');
          stalled.push(res);
          answer.resume();
        } else answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const prefix = `stall-${randomBytes(4).toString('hex')}`;
      await putBehind(`${prefix}/slow.jpg`, Buffer.alloc(4096, 7));
      const port = (proxy.address() as AddressInfo).port;
      const slow = await storeAt(prefix, {
        timeoutMs: 1500,
        location: {
          endpoint: `http://127.0.0.1:${port}`,
          region: cluster.region,
          bucket,
          prefix,
          forcePathStyle: true,
        },
      });
      await expect(slow.open('slow.jpg')).rejects.toMatchObject({
        code: 'ORIGINALS_UNAVAILABLE',
        message: expect.stringMatching(/did not answer in time/),
      });
      await slow.close();
    } finally {
      for (const res of stalled) res.destroy();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('refuses an object over the byte cap with SOURCE_TOO_LARGE', async () => {
    const prefix = `cap-${randomBytes(4).toString('hex')}`;
    const store = await storeAt(prefix, { maxBytes: 1000 });
    await putBehind(`${prefix}/big.jpg`, Buffer.alloc(5000, 1));
    await expect(store.open('big.jpg')).rejects.toMatchObject({ code: 'SOURCE_TOO_LARGE' });
    await store.close();
  });

  it('reports a change behind its back within the rescan interval', async () => {
    const prefix = `rescan-${randomBytes(4).toString('hex')}`;
    const changed: string[] = [];
    const store = await storeAt(prefix, {
      onChanged: async (path) => {
        changed.push(path);
      },
    });
    await putBehind(`${prefix}/watched.jpg`, 'first');
    (await store.open('watched.jpg')).release();
    await putBehind(`${prefix}/watched.jpg`, 'second, longer');
    await expect.poll(() => changed).toContain('watched.jpg');
    await store.close();
  });

  it('keeps every spelling of a path inside its prefix', async () => {
    const prefix = `inside-${randomBytes(4).toString('hex')}/media`;
    const store = await storeAt(prefix);
    await putBehind(`${prefix.split('/')[0]}/secret.jpg`, 'beside the prefix');
    await putBehind(`${prefix}/.env`, 'a dotfile');
    for (const path of [
      '../secret.jpg',
      '%2e%2e/secret.jpg',
      'a\\..\\secret.jpg',
      'a//b.jpg',
      '.env',
      '/secret.jpg',
    ]) {
      await expect(store.open(path), path).rejects.toMatchObject({
        code: expect.stringMatching(/^(BAD_PATH|ORIGINAL_NOT_FOUND)$/),
      });
    }
    const temp = await store.tempFile();
    await writeFile(temp, 'x');
    await expect(store.place(temp, '../escape.jpg', false)).rejects.toMatchObject({
      code: 'BAD_PATH',
    });
    await store.close();
  });

  it('stops the start with one line naming the setting: bad credentials, missing bucket', async () => {
    const secret = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'wrong-secret';
    try {
      await expect(storeAt('x')).rejects.toThrow(
        /^S3_BUCKET=\S+ at S3_ENDPOINT=\S+ refused the credentials \(HTTP 403\): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
      );
    } finally {
      process.env.AWS_SECRET_ACCESS_KEY = secret;
    }
    await expect(
      openS3Originals({
        location: {
          endpoint: cluster.endpoint,
          region: cluster.region,
          bucket: 'no-such-bucket-here',
          prefix: '',
          forcePathStyle: true,
        },
        workDir: tmpdir(),
        cacheBytes: 0,
        versionsFile: join(tmpdir(), 'never-written.json'),
        maxBytes: 1,
        timeoutMs: 5000,
        rescanMs: 1000,
        redirectSeconds: 0,
        onChanged: async () => {},
        onError: () => {},
      }),
    ).rejects.toThrow(
      /^S3_BUCKET=no-such-bucket-here at S3_ENDPOINT=\S+ does not exist: create the bucket, or set S3_BUCKET$/,
    );
  });
});
