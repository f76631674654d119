// Warm jobs with REGISTRY=postgres: every node answers for every job, and a job outlives the
// node that ran it (killed: taken over once it stops beating; shut down: handed over at once).
// The nodes share one PostgreSQL database and one MEDIA_ROOT, each with its own cache.

import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CHILD_ADMIN_TOKEN,
  type ChildServer,
  rootsIn,
  spawnServer,
} from '../helpers/child-server.js';
import { jpegImage } from '../helpers/images.js';
import { nodeSettings, skipWithoutPostgres, suiteDatabase } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

interface JobView {
  state: string;
  total: number;
  done: number;
  failed: unknown[];
}

/** Images per job: enough that a job is still running when its node goes away. */
const IMAGES = 12;

describe.skipIf(skipWithoutPostgres())('warm jobs in PostgreSQL', () => {
  let dir: string;
  let media: string;
  let databaseUrl: string;
  const paths = Array.from({ length: IMAGES }, (_, index) => `jobs/${index}.jpg`);
  const servers: TestServer[] = [];
  const children: ChildServer[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rendition-jobs-'));
    media = join(dir, 'media');
    await mkdir(join(media, 'jobs'), { recursive: true });
    const jpeg = await jpegImage(1600, 1200);
    for (const path of paths) await writeFile(join(media, path), jpeg);
    databaseUrl = await suiteDatabase('warm_jobs');
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await child.stop('SIGKILL');
    for (const server of servers.splice(0)) await server.dispose();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Node settings: the shared registry and originals, a cache of its own, quick beats. */
  function nodeEnv(name: string, extra: Record<string, string> = {}): Record<string, string> {
    return { ...nodeSettings(databaseUrl, media, dir, name), ...extra };
  }

  async function node(name: string, extra: Record<string, string> = {}): Promise<TestServer> {
    const server = await startTestServer(nodeEnv(name, extra));
    servers.push(server);
    return server;
  }

  async function startJob(url: string, token: string): Promise<string> {
    const response = await fetch(`${url}/admin/warm`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ keySet: 'image', paths }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  async function jobOn(server: TestServer, id: string): Promise<{ status: number; job: JobView }> {
    const response = await fetch(`${server.url}/admin/jobs/${id}`, {
      headers: { Authorization: `Bearer ${server.adminToken.token}` },
    });
    return { status: response.status, job: (await response.json()) as JobView };
  }

  /** Media paths with at least one rendition in `cacheRoot`. */
  async function warmedIn(cacheRoot: string): Promise<string[]> {
    const names = await readdir(join(cacheRoot, 'jobs')).catch(() => [] as string[]);
    return names.map((name) => `jobs/${name}`).sort();
  }

  it('answers for a job on every node, in step with its progress', async () => {
    const a = await node('a1');
    const b = await node('b1');
    const id = await startJob(a.url, a.adminToken.token);
    const first = await jobOn(b, id);
    expect(first.status).toBe(200);
    expect(first.job.total).toBe(IMAGES);
    await until(async () => (await jobOn(b, id)).job.state === 'done', { timeoutMs: 60_000 });
    expect((await jobOn(b, id)).job).toMatchObject({ state: 'done', total: IMAGES, done: IMAGES });
    expect((await jobOn(b, id)).job.failed).toEqual([]);
    // Node A did the work; B only read the table.
    expect(await warmedIn(join(dir, 'a1', 'cache'))).toEqual([...paths].sort());
    expect(await warmedIn(join(dir, 'b1', 'cache'))).toEqual([]);
    expect((await jobOn(b, '9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d')).status).toBe(404);
    expect((await jobOn(b, 'nope')).status).toBe(404);
  });

  it('takes over the job of a node that was killed, and finishes it', async () => {
    const roots = await rootsIn(join(dir, 'a2'));
    const a = await spawnServer(
      roots,
      nodeEnv('a2', { WARM_CONCURRENCY: '1', RENDER_CONCURRENCY: '1' }),
    );
    children.push(a);
    const b = await node('b2');
    const id = await startJob(a.url, CHILD_ADMIN_TOKEN);
    await until(async () => (await jobOn(b, id)).job.done >= 1, { timeoutMs: 30_000 });
    await a.stop('SIGKILL');
    const atKill = (await jobOn(b, id)).job;
    expect(atKill.state).toBe('running');
    await until(async () => (await jobOn(b, id)).job.state === 'done', { timeoutMs: 60_000 });
    expect((await jobOn(b, id)).job).toMatchObject({ state: 'done', total: IMAGES, done: IMAGES });
    expect((await jobOn(b, id)).job.failed).toEqual([]);
    // Every image was warmed by one node or the other, and B took up where A stopped.
    const byA = await warmedIn(roots.cacheRoot);
    const byB = await warmedIn(join(dir, 'b2', 'cache'));
    expect([...new Set([...byA, ...byB])].sort()).toEqual([...paths].sort());
    expect(byB).toContain(paths[IMAGES - 1]);
    expect(byA.length).toBeLessThan(IMAGES);
  });

  it('hands its jobs over at a graceful shutdown, and another node finishes them', async () => {
    const a = await node('a3', { WARM_CONCURRENCY: '1', RENDER_CONCURRENCY: '1' });
    const b = await node('b3');
    const id = await startJob(a.url, a.adminToken.token);
    await until(async () => (await jobOn(b, id)).job.done >= 1, { timeoutMs: 30_000 });
    await a.close();
    await until(async () => (await jobOn(b, id)).job.state === 'done', { timeoutMs: 60_000 });
    expect((await jobOn(b, id)).job).toMatchObject({ state: 'done', done: IMAGES });
    expect(await warmedIn(join(dir, 'b3', 'cache'))).toContain(paths[IMAGES - 1]);
  });
});
