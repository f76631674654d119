// PostgreSQL itself stopped (a PostgreSQL cluster of this suite's own, not the run's shared one)
// under three nodes sharing originals and renditions in the run's radosgw: for the 10 s it is
// down every node keeps serving its local hits, answers misses and admin writes 503
// REGISTRY_UNAVAILABLE and changes nothing; an object replaced behind rendition's back in
// that time is still purged from every node (each node's own rescan); once PostgreSQL is
// back, the nodes reconnect by themselves and a purge made on one node reaches the others.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renditionFilesOf, solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { BLUE, colourAt, near, RED } from '../helpers/images.js';
import { type PostgresCluster, startPostgresCluster } from '../helpers/postgres-cluster.js';
import { nodeSettings, skipWithoutPostgres } from '../helpers/postgres.js';
import { joinRadosgw, objectBytes, s3Settings, skipWithoutRadosgw } from '../helpers/radosgw.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

/** Room for a loaded machine: noticing and reconnecting take a heartbeat or two (100 ms). */
const NOTICE_MS = 15_000;
/** How long PostgreSQL stays down (the 10 s). */
const OUTAGE_MS = 10_000;
const PREFIX = 'outage/media';

describe.skipIf(skipWithoutPostgres() || skipWithoutRadosgw())(
  'PostgreSQL stopped under three nodes',
  () => {
    let cluster: PostgresCluster;
    let dir: string;
    let client: S3Client;
    let bucket: string;
    const nodes: TestServer[] = [];

    beforeAll(async () => {
      cluster = await startPostgresCluster();
      const databaseUrl = await cluster.createDatabase('outage');
      dir = await mkdtemp(join(tmpdir(), 'rendition-outage-'));
      const joined = await joinRadosgw('postgres-outage');
      ({ client, bucket } = joined);
      for (const name of ['a', 'b', 'c']) {
        nodes.push(
          await startTestServer({
            ...nodeSettings(databaseUrl, join(dir, name, 'media'), dir, name),
            ...s3Settings(joined.cluster, bucket, PREFIX),
            RENDITION_STORE: 's3',
            ORIGINALS_RESCAN_SECONDS: '1',
            // Longer than the outage: the nodes keep their hits through it.
            REGISTRY_MAX_STALENESS_MS: '60000',
            ALLOWED_SIZES: '100x100,80x80',
            HOT_CACHE_BYTES: String(16 * 1024 * 1024),
          }),
        );
      }
    }, 60_000);
    afterAll(async () => {
      for (const node of nodes) await node.dispose();
      await cluster?.destroy();
      client?.destroy();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });

    async function get(node: TestServer, path: string) {
      const response = await fetch(`${node.url}${path}`);
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
    }
    const codeOf = (answer: { body: Buffer }) =>
      (JSON.parse(answer.body.toString()) as { error: { code: string } }).error.code;
    const registryState = async (node: TestServer) =>
      ((await (await fetch(`${node.url}/healthz`)).json()) as { checks: { registry: unknown } })
        .checks.registry;

    async function centreOf(node: TestServer, path: string) {
      const answer = await get(node, path);
      expect(answer.status, `${node.url}${path}`).toBe(200);
      return colourAt(answer.body, 0.5, 0.5);
    }

    const originalBytes = (path: string) => objectBytes(client, bucket, `${PREFIX}/${path}`);

    async function putObject(path: string, body: Buffer): Promise<void> {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${PREFIX}/${path}`, Body: body }),
      );
    }

    async function remove(
      node: TestServer,
      path: string,
    ): Promise<{ status: number; body: Buffer }> {
      const response = await fetch(`${node.url}/admin/images/${path}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${node.adminToken.token}` },
      });
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
    }

    it('serves hits, refuses misses and writes while it is down, then reconnects and purges', async () => {
      const [a, b, c] = nodes as [TestServer, TestServer, TestServer];
      await uploadOriginal(a.url, a.adminToken.token, await solidJpeg(400, 300, RED), 'o/x.jpg');
      const rendition = '/media/o/x.jpg/thumbnail/100x100.jpg';
      for (const node of nodes) {
        const answer = await get(node, rendition);
        expect(answer.status).toBe(200);
        expect(near(await colourAt(answer.body, 0.5, 0.5), RED)).toBe(true);
      }

      await putObject('theirs/y.jpg', await solidJpeg(300, 200, RED));
      const theirs = '/media/theirs/y.jpg/thumbnail/100x100.jpg';
      // Rendered on every node (B and C copy A's shared object).
      for (const node of nodes) expect(near(await centreOf(node, theirs), RED)).toBe(true);
      const stoppedAt = Date.now();
      await cluster.stop();
      for (const node of nodes) {
        await until(async () => (await registryState(node)) !== 'ok', {
          timeoutMs: NOTICE_MS,
          message: `${node.url} still said its registry was ok with PostgreSQL stopped`,
        });
      }
      for (const node of nodes) {
        const hit = await get(node, rendition);
        expect(hit.status).toBe(200);
        const miss = await get(node, '/media/o/x.jpg/crop/80x80.jpg');
        expect(miss.status).toBe(503);
        expect(codeOf(miss)).toBe('REGISTRY_UNAVAILABLE');
      }
      // A delete cannot reach the other nodes now: refused, and nothing is removed.
      const refused = await remove(c, 'o/x.jpg');
      expect(refused.status).toBe(503);
      expect(codeOf(refused)).toBe('REGISTRY_UNAVAILABLE');
      expect(await renditionFilesOf(join(dir, 'c', 'cache'), 'o/x.jpg')).not.toEqual([]);
      // So is a replace: the original keeps its bytes, so no node's copy of it goes stale.
      const before = await originalBytes('o/x.jpg');
      await expect(
        uploadOriginal(b.url, b.adminToken.token, await solidJpeg(400, 300, BLUE), 'o/x.jpg', {
          replace: true,
        }),
      ).rejects.toThrow(/: 503 .*REGISTRY_UNAVAILABLE/);
      expect((await originalBytes('o/x.jpg')).equals(before)).toBe(true);
      // Another app replaces that object meanwhile: every node's rescan purges its copies, so
      // none serves the old pixels (nor renders the new ones before it is back in step).
      await putObject('theirs/y.jpg', await solidJpeg(300, 200, BLUE));
      for (const node of nodes) {
        await until(async () => (await get(node, theirs)).status === 503, {
          timeoutMs: NOTICE_MS,
          message: `${node.url} kept serving an object's old pixels while PostgreSQL was down`,
        });
      }
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));

      await cluster.start();
      for (const node of nodes) {
        await until(async () => (await registryState(node)) === 'ok', {
          timeoutMs: NOTICE_MS,
          message: `${node.url} never reconnected to the restarted PostgreSQL`,
        });
      }
      for (const node of nodes) {
        await until(async () => near(await centreOf(node, theirs), BLUE), {
          timeoutMs: NOTICE_MS,
          message: `${node.url} never rendered the replaced object after the outage`,
        });
      }
      // Back in step: a replace on B reaches A's and C's caches.
      await uploadOriginal(b.url, b.adminToken.token, await solidJpeg(400, 300, BLUE), 'o/x.jpg', {
        replace: true,
      });
      for (const node of [a, c]) {
        await until(
          async () => {
            const answer = await get(node, rendition);
            return answer.status === 200 && near(await colourAt(answer.body, 0.5, 0.5), BLUE);
          },
          { timeoutMs: NOTICE_MS, message: `${node.url} never applied the purge after the outage` },
        );
      }
      expect((await remove(c, 'o/x.jpg')).status).toBe(204);
      for (const node of nodes) expect((await get(node, rendition)).status).toBe(404);
    }, 90_000);
  },
);
