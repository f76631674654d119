// Several nodes, one truth (REGISTRY=postgres): three nodes share one PostgreSQL database and
// one MEDIA_ROOT, each with its own CACHE_ROOT and hot cache, node A behind the shipped nginx
// config. A delete, replace or PPOI change on any node reaches every node's copies (files,
// memory, nginx), and a node that was down applies the purges before it serves again.

import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renditionFilesOf, solidJpeg, uploadOriginal } from '../helpers/admin-upload.js';
import { BLUE, colourAt, GREEN, jpegImage, near, RED, type Rgb } from '../helpers/images.js';
import { skipWithoutNginx } from '../helpers/nginx.js';
import { disposeNginxStack, type NginxStack, startNginxStack } from '../helpers/nginx-stack.js';
import { nodeSettings, skipWithoutPostgres, suiteDatabase } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

/**
 * A deadline for a purge to reach every node. Propagation takes milliseconds (NOTIFY, then a
 * read of the log); how fast is a benchmark's question, not a test's: this only proves that
 * it happens, with room for a loaded machine.
 */
const PROPAGATION_MS = 10_000;

const skip = skipWithoutPostgres() || skipWithoutNginx();

describe.skipIf(skip)('several nodes, one PostgreSQL: purges reach every node', () => {
  let dir: string;
  let media: string;
  let databaseUrl: string;
  let a: NginxStack;
  let b: TestServer;
  let c: TestServer;
  const extra: TestServer[] = [];

  function nodeEnv(name: string): Record<string, string> {
    return {
      ...nodeSettings(databaseUrl, media, dir, name),
      ALLOWED_SIZES: '100x100,80x80',
      // Nodes answer hits from memory too: a purge must reach that copy as well.
      HOT_CACHE_BYTES: String(16 * 1024 * 1024),
    };
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rendition-nodes-'));
    media = join(dir, 'media');
    await mkdir(media, { recursive: true });
    databaseUrl = await suiteDatabase('purges');
    a = await startNginxStack(nodeEnv('a'));
    b = await startTestServer(nodeEnv('b'));
    c = await startTestServer(nodeEnv('c'));
  });
  afterEach(async () => {
    for (const server of extra.splice(0)) await server.dispose();
  });
  afterAll(async () => {
    await disposeNginxStack(a);
    await b?.dispose();
    await c?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const token = (server: TestServer) => server.adminToken.token;
  const cacheOf = (name: string) => join(dir, name, 'cache');

  async function get(base: string, path: string): Promise<{ status: number; body: Buffer }> {
    const response = await fetch(`${base}/media/${path}`);
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  }

  async function colourOf(base: string, path: string): Promise<Rgb> {
    const { status, body } = await get(base, path);
    expect(status, `${base}/media/${path}`).toBe(200);
    return colourAt(body, 0.5, 0.5);
  }

  async function admin(server: TestServer, path: string, init: RequestInit): Promise<number> {
    const response = await fetch(`${server.url}/admin/images/${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${token(server)}`, 'Content-Type': 'application/json' },
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** Resolves once `cacheRoot` holds no rendition of `path`; fails after PROPAGATION_MS. */
  async function goneFrom(cacheRoot: string, path: string): Promise<void> {
    await until(async () => (await renditionFilesOf(cacheRoot, path)).length === 0, {
      timeoutMs: PROPAGATION_MS,
      message: `renditions of ${path} still in ${cacheRoot} ${PROPAGATION_MS} ms after the purge`,
    });
  }

  it('renders on B and C what was registered on A; a delete on C empties every node', async () => {
    await uploadOriginal(a.server.url, token(a.server), await solidJpeg(400, 300, RED), 'd/x.jpg');
    const rendition = 'd/x.jpg/thumbnail/100x100.jpg';
    for (const base of [a.nginx.url, a.server.url, b.url, c.url]) {
      expect(near(await colourOf(base, rendition), RED)).toBe(true);
    }
    // Twice on B: the second answer came from its hot cache.
    expect(near(await colourOf(b.url, rendition), RED)).toBe(true);
    expect(await renditionFilesOf(cacheOf('b'), 'd/x.jpg')).not.toEqual([]);

    expect(await admin(c, 'd/x.jpg', { method: 'DELETE' })).toBe(204);
    await goneFrom(cacheOf('a'), 'd/x.jpg');
    await goneFrom(cacheOf('b'), 'd/x.jpg');
    for (const base of [a.nginx.url, a.server.url, b.url, c.url]) {
      expect((await get(base, rendition)).status, base).toBe(404);
    }
    await expect(stat(join(media, 'd/x.jpg'))).rejects.toThrow();
  });

  it('re-renders B and nginx-fronted A with the new pixels after a replace on B', async () => {
    await uploadOriginal(b.url, token(b), await solidJpeg(400, 300, RED), 'r/x.jpg');
    const rendition = 'r/x.jpg/crop/80x80.png';
    for (const base of [a.nginx.url, b.url, c.url]) {
      expect(near(await colourOf(base, rendition), RED)).toBe(true);
    }
    await uploadOriginal(b.url, token(b), await solidJpeg(400, 300, GREEN), 'r/x.jpg', {
      replace: true,
    });
    await goneFrom(cacheOf('a'), 'r/x.jpg');
    await goneFrom(cacheOf('c'), 'r/x.jpg');
    for (const base of [a.nginx.url, b.url, c.url]) {
      expect(near(await colourOf(base, rendition), GREEN), base).toBe(true);
    }
  });

  it("re-crops B around a PPOI set on A, keeping B's thumbnails", async () => {
    // Red left half, blue right half: a square crop shows the half its focus is in.
    await uploadOriginal(a.server.url, token(a.server), await jpegImage(400, 200), 'p/x.jpg');
    const body = (x: number) => JSON.stringify({ ppoi: { x, y: 0.5 } });
    expect(await admin(a.server, 'p/x.jpg', { method: 'PATCH', body: body(0.1) })).toBe(200);
    const crop = 'p/x.jpg/crop/100x100.png';
    // Until B knows the PPOI: a render before that is a centre crop, purged once it learns.
    await until(
      async () => {
        const answer = await get(b.url, crop);
        return answer.status === 200 && near(await colourAt(answer.body, 0.5, 0.5), RED);
      },
      { timeoutMs: PROPAGATION_MS, message: 'B never cropped around the PPOI set on A' },
    );
    await colourOf(b.url, 'p/x.jpg/thumbnail/100x100.png');

    expect(await admin(a.server, 'p/x.jpg', { method: 'PATCH', body: body(0.9) })).toBe(200);
    // B may answer from the old focus for the moment the change takes to arrive (its crop
    // cached or not): then the purge drops that crop and the next answer is the new one.
    await until(
      async () => {
        const answer = await get(b.url, crop);
        return answer.status === 200 && near(await colourAt(answer.body, 0.5, 0.5), BLUE);
      },
      { timeoutMs: PROPAGATION_MS, message: 'B kept cropping around the old PPOI' },
    );
    expect(await renditionFilesOf(cacheOf('b'), 'p/x.jpg')).toContain('thumbnail/100x100.png');
  });

  it('makes a node that was down apply the purges it missed before it serves', async () => {
    const d = await startTestServer(nodeEnv('d'));
    extra.push(d);
    await uploadOriginal(a.server.url, token(a.server), await solidJpeg(400, 300, RED), 'l/x.jpg');
    const rendition = 'l/x.jpg/thumbnail/100x100.jpg';
    expect(near(await colourOf(d.url, rendition), RED)).toBe(true);
    await d.close();
    // While D is down: a replace on B; D's cache still holds the red rendition.
    await uploadOriginal(b.url, token(b), await solidJpeg(400, 300, BLUE), 'l/x.jpg', {
      replace: true,
    });
    expect(await renditionFilesOf(cacheOf('d'), 'l/x.jpg')).not.toEqual([]);
    const again = await startTestServer(nodeEnv('d'));
    extra.push(again);
    // The first answer after the restart is already the new original.
    expect(near(await colourOf(again.url, rendition), BLUE)).toBe(true);
  });

  it('keeps a node cut off from PostgreSQL serving its hits and refusing misses, then catches up', async () => {
    const viaProxy = new URL(databaseUrl);
    const proxy = await startTcpProxy(Number(viaProxy.port));
    viaProxy.port = String(proxy.port);
    try {
      const e = await startTestServer({
        ...nodeEnv('e'),
        DATABASE_URL: viaProxy.toString(),
        REGISTRY_MAX_STALENESS_MS: '60000',
      });
      extra.push(e);
      await uploadOriginal(b.url, token(b), await solidJpeg(400, 300, RED), 'o/x.jpg');
      const rendition = 'o/x.jpg/thumbnail/100x100.jpg';
      expect(near(await colourOf(e.url, rendition), RED)).toBe(true);

      await proxy.cut();
      // E notices at its next heartbeat; from then on a miss is refused, a hit still served.
      await until(async () => (await get(e.url, 'o/x.jpg/crop/80x80.png')).status === 503, {
        timeoutMs: PROPAGATION_MS,
        message: 'a node cut off from PostgreSQL kept rendering misses',
      });
      const refused = await get(e.url, 'o/x.jpg/crop/80x80.png');
      expect(JSON.parse(refused.body.toString())).toMatchObject({
        error: { code: 'REGISTRY_UNAVAILABLE' },
      });
      expect(near(await colourOf(e.url, rendition), RED)).toBe(true);
      // Meanwhile another node replaces the original.
      await uploadOriginal(b.url, token(b), await solidJpeg(400, 300, BLUE), 'o/x.jpg', {
        replace: true,
      });

      await proxy.restore();
      await until(
        async () => {
          const answer = await get(e.url, rendition);
          return answer.status === 200 && near(await colourAt(answer.body, 0.5, 0.5), BLUE);
        },
        { timeoutMs: PROPAGATION_MS, message: 'the node never applied the purge it missed' },
      );
    } finally {
      await proxy.close();
    }
  });
});
