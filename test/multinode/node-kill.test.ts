// SIGKILL of a node (the BUILT server as a child process) mid-render and mid-upload, with
// originals and shared renditions in a real radosgw and the registry in a real PostgreSQL;
// another node stays up. After each kill: every registration answered 201 is on the surviving
// node with its object (same bytes), no record lacks its object, every object in the bucket
// is a whole image, and the killed node starts again and serves.
// Reproduce a failure with the seed it prints: RENDITION_CRASH_SEED=<seed> npx vitest run test/multinode/node-kill

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHILD_ADMIN_TOKEN,
  type ChildServer,
  requireBuiltCli,
  rootsIn,
  spawnServer,
} from '../helpers/child-server.js';
import { seededRandom } from '../helpers/hostile-images.js';
import { noiseJpeg } from '../helpers/images.js';
import { skipWithoutPostgres, suiteDatabase } from '../helpers/postgres.js';
import {
  joinRadosgw,
  keysUnder,
  objectBytes,
  s3Settings,
  skipWithoutRadosgw,
} from '../helpers/radosgw.js';
import { until } from '../helpers/until.js';

const SEED = Number(process.env.RENDITION_CRASH_SEED ?? 20_261_204);
const ROUNDS = 3;
const auth = { Authorization: `Bearer ${CHILD_ADMIN_TOKEN}` };

const skip = skipWithoutRadosgw() || skipWithoutPostgres();

describe.skipIf(skip)('a node killed mid-render and mid-upload (s3 + postgres)', () => {
  let client: S3Client;
  let bucket: string;
  let prefix: string;
  let env: Record<string, string>;
  let dir: string;
  const running: ChildServer[] = [];

  beforeAll(async () => {
    requireBuiltCli();
    const joined = await joinRadosgw('node-kill');
    ({ client, bucket } = joined);
    prefix = `kill-${randomBytes(3).toString('hex')}`;
    env = {
      ...s3Settings(joined.cluster, bucket, prefix),
      AWS_ACCESS_KEY_ID: joined.cluster.accessKeyId,
      AWS_SECRET_ACCESS_KEY: joined.cluster.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      REGISTRY: 'postgres',
      DATABASE_URL: await suiteDatabase('node-kill'),
      REGISTRY_HEARTBEAT_MS: '100',
      RENDITION_STORE: 's3',
      SIGNING_KEYS: '',
      ARBITRARY_SIZES: 'true',
      LOG_LEVEL: 'warn',
    };
    dir = await mkdtemp(join(tmpdir(), 'rendition-node-kill-'));
  });
  afterAll(async () => {
    for (const server of running) await server.stop('SIGKILL');
    client?.destroy();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function start(name: string): Promise<ChildServer> {
    const server = await spawnServer(await rootsIn(join(dir, name)), env, 30_000);
    running.push(server);
    return server;
  }

  const keys = () => keysUnder(client, bucket, `${prefix}/`);
  const bytesOf = (key: string) => objectBytes(client, bucket, key);

  async function records(server: ChildServer): Promise<Map<string, string>> {
    const response = await fetch(`${server.url}/admin/images?limit=1000`, { headers: auth });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { items: { path: string; sha256: string }[] };
    return new Map(page.items.map((item) => [item.path, item.sha256]));
  }

  /** Uploads `bytes`; the sha256 when it was acknowledged (201), else undefined. */
  async function upload(server: ChildServer, path: string, bytes: Buffer) {
    const form = new FormData();
    form.set('path', path);
    form.set('file', new Blob([bytes]), 'k.jpg');
    try {
      const response = await fetch(`${server.url}/admin/images`, {
        method: 'POST',
        body: form,
        headers: auth,
      });
      await response.arrayBuffer();
      return response.status === 201 ? createHash('sha256').update(bytes).digest('hex') : undefined;
    } catch {
      return undefined; // cut off by the kill: not acknowledged
    }
  }

  it(`keeps acknowledged registrations and leaves no partial object (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const survivor = await start('survivor');
    let victim = await start('victim');
    // A large original the renders work on while the kill comes.
    const large = await noiseJpeg(3000, 2000);
    expect(await upload(survivor, 'kill/large.jpg', large)).toBeDefined();
    const acknowledged = new Map<string, string>();

    for (let round = 0; round < ROUNDS; round += 1) {
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 6; i += 1) {
        const path = `kill/r${round}-${i}.jpg`;
        const bytes = await noiseJpeg(600 + i * 100, 400 + round * 50);
        work.push(
          upload(victim, path, bytes).then((sha) => {
            if (sha !== undefined) acknowledged.set(path, sha);
          }),
        );
        // Cold renders of distinct sizes: each is a render and a shared object's PUT.
        const size = 100 + round * 40 + i * 7;
        work.push(
          fetch(`${victim.url}/media/kill/large.jpg/thumbnail/${size}x${size}.webp`)
            .then((r) => r.arrayBuffer())
            .catch(() => undefined),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(random() * 400)));
      await victim.stop('SIGKILL');
      await Promise.all(work);

      // Every acknowledged registration reaches the surviving node (its mirror follows the
      // change log within milliseconds), with its object's bytes.
      await until(
        async () => {
          const seen = await records(survivor);
          return [...acknowledged.keys()].every((path) => seen.has(path));
        },
        { timeoutMs: 10_000, message: `an acknowledged registration was lost (seed ${SEED})` },
      );
      const known = await records(survivor);
      for (const [path, sha] of acknowledged) {
        expect(known.get(path), `acknowledged ${path} lost (seed ${SEED})`).toBe(sha);
        const bytes = await bytesOf(`${prefix}/${path}`);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha);
      }
      const stored = new Set(await keys());
      // No record without its object.
      for (const path of known.keys()) {
        expect(stored.has(`${prefix}/${path}`), `record ${path} has no object`).toBe(true);
      }
      // Every object, original or shared rendition, is a whole image.
      for (const key of stored) {
        if (key.includes('/:tmp/')) continue; // a delete's aside copy: none in this test
        const bytes = await bytesOf(key);
        const decoded = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
        expect(decoded.info.width, key).toBeGreaterThan(0);
      }
      victim = await start('victim');
      const again = await fetch(`${victim.url}/media/kill/large.jpg/thumbnail/90x90.jpg`);
      expect(again.status).toBe(200);
    }
    expect(acknowledged.size).toBeGreaterThan(0);
  }, 180_000);
});
