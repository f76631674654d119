// PostgreSQL itself stopped (a PostgreSQL cluster of this suite's own, not the run's shared one)
// under three nodes: for the 10 s it is down every node keeps serving its local hits, answers
// misses and admin writes 503 REGISTRY_UNAVAILABLE and changes nothing; once it is back, the
// nodes reconnect by themselves and a purge made on one node reaches the others again.

import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renditionFilesOf, solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { BLUE, colourAt, near, RED } from '../helpers/images.js';
import { type PostgresCluster, startPostgresCluster } from '../helpers/postgres-cluster.js';
import { nodeSettings, skipWithoutPostgres } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

/** Room for a loaded machine: noticing and reconnecting take a heartbeat or two (100 ms). */
const NOTICE_MS = 15_000;
/** How long PostgreSQL stays down (the 10 s). */
const OUTAGE_MS = 10_000;

describe.skipIf(skipWithoutPostgres())('PostgreSQL stopped under three nodes', () => {
  let cluster: PostgresCluster;
  let dir: string;
  const nodes: TestServer[] = [];

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    const databaseUrl = await cluster.createDatabase('outage');
    dir = await mkdtemp(join(tmpdir(), 'rendition-outage-'));
    const media = join(dir, 'media');
    await mkdir(media, { recursive: true });
    for (const name of ['a', 'b', 'c']) {
      nodes.push(
        await startTestServer({
          ...nodeSettings(databaseUrl, media, dir, name),
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

  async function remove(node: TestServer, path: string): Promise<{ status: number; body: Buffer }> {
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
    const before = await readFile(join(dir, 'media', 'o/x.jpg'));
    await expect(
      uploadOriginal(b.url, b.adminToken.token, await solidJpeg(400, 300, BLUE), 'o/x.jpg', {
        replace: true,
      }),
    ).rejects.toThrow(/: 503 .*REGISTRY_UNAVAILABLE/);
    expect((await readFile(join(dir, 'media', 'o/x.jpg'))).equals(before)).toBe(true);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));

    await cluster.start();
    for (const node of nodes) {
      await until(async () => (await registryState(node)) === 'ok', {
        timeoutMs: NOTICE_MS,
        message: `${node.url} never reconnected to the restarted PostgreSQL`,
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
});
