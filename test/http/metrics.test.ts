// GET /metrics over real HTTP, read with a real Prometheus parser: the counters move as real
// requests are served, rendered and refused; the gauges read the queue, registry and cache.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpegImage } from '../helpers/images.js';
import { type Scrape, scrapeMetrics } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/until.js';

describe('GET /metrics', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({}, { processMetrics: true });
    await server.putOriginal('cat.jpg', await jpegImage(640, 480));
    await server.parts.cacheBudget.idle();
  });
  afterAll(async () => {
    await server.dispose();
  });

  const renders = (s: Scrape) =>
    s.value('rendition_renders_total', { sizer: 'thumbnail', format: 'jpg' });
  const served = (s: Scrape, outcome: string) =>
    s.value('rendition_media_responses_total', { outcome });
  const renderCount = (s: Scrape) => Number(s.sample('rendition_render_seconds').count);

  it('counts a miss as a render and its seconds, then a hit as served by Node', async () => {
    const before = await scrapeMetrics(server.url);
    const miss = await fetch(`${server.url}/media/cat.jpg/thumbnail/180x180.jpg`);
    expect(miss.status).toBe(200);
    await miss.arrayBuffer();
    const afterMiss = await scrapeMetrics(server.url);
    expect(renders(afterMiss) - renders(before)).toBe(1);
    expect(served(afterMiss, 'miss') - served(before, 'miss')).toBe(1);
    expect(renderCount(afterMiss) - renderCount(before)).toBe(1);
    expect(Number(afterMiss.sample('rendition_render_seconds').sum)).toBeGreaterThan(0);

    const hit = await fetch(`${server.url}/media/cat.jpg/thumbnail/180x180.jpg`);
    expect(hit.status).toBe(200);
    await hit.arrayBuffer();
    const afterHit = await scrapeMetrics(server.url);
    expect(served(afterHit, 'hit') - served(afterMiss, 'hit')).toBe(1);
    expect(renders(afterHit)).toBe(renders(afterMiss));

    const original = await fetch(`${server.url}/media/cat.jpg`);
    await original.arrayBuffer();
    expect(served(await scrapeMetrics(server.url), 'original') - served(afterHit, 'original')).toBe(
      1,
    );
  });

  it('counts error responses by code', async () => {
    const before = await scrapeMetrics(server.url);
    expect(before.value('rendition_errors_total', { code: 'ORIGINAL_NOT_FOUND' })).toBe(0);
    const missing = await fetch(`${server.url}/media/nope.jpg/thumbnail/180x180.jpg`);
    expect(missing.status).toBe(404);
    const route = await fetch(`${server.url}/no/such/route`);
    expect(route.status).toBe(404);
    const size = await fetch(`${server.url}/media/cat.jpg/thumbnail/181x181.jpg`);
    expect(size.status).toBe(400);
    const admin = await fetch(`${server.url}/admin/images`);
    expect(admin.status).toBe(401);
    const after = await scrapeMetrics(server.url);
    const delta = (code: string) =>
      after.value('rendition_errors_total', { code }) -
      before.value('rendition_errors_total', { code });
    expect(delta('ORIGINAL_NOT_FOUND')).toBe(1);
    expect(delta('NOT_FOUND')).toBe(1);
    expect(delta('SIZE_NOT_ALLOWED')).toBe(1);
    expect(delta('UNAUTHORIZED')).toBe(1);
  });

  it('reports the registry size and the cache bytes of the budget index', async () => {
    const form = new FormData();
    form.set('file', new Blob([await jpegImage(300, 200)]), 'dog.jpg');
    form.set('path', 'dogs/dog.jpg');
    const before = await scrapeMetrics(server.url);
    const registered = await fetch(`${server.url}/admin/images`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.adminToken.token}` },
      body: form,
    });
    expect(registered.status).toBe(201);
    const render = await fetch(`${server.url}/media/dogs/dog.jpg/thumbnail/180x180.webp`);
    expect(render.status).toBe(200);
    await render.arrayBuffer();
    const after = await scrapeMetrics(server.url);
    expect(
      after.value('rendition_registered_images') - before.value('rendition_registered_images'),
    ).toBe(1);
    const file = await stat(
      join(server.config.roots.cacheRoot, 'dogs/dog.jpg/thumbnail/180x180.webp'),
    );
    expect(after.value('rendition_cache_index_ready')).toBe(1);
    expect(after.value('rendition_cache_bytes') - before.value('rendition_cache_bytes')).toBe(
      file.size,
    );
    expect(after.value('rendition_cache_files') - before.value('rendition_cache_files')).toBe(1);
    expect(after.value('rendition_renders_total', { sizer: 'thumbnail', format: 'webp' })).toBe(1);
  });

  it('counts a warm as one batch and every rendition it rendered', async () => {
    const thumbnails = (scrape: Scrape) =>
      ['jpg', 'webp', 'avif', 'png'].reduce(
        (sum, format) =>
          sum + scrape.value('rendition_renders_total', { sizer: 'thumbnail', format }),
        0,
      );
    const batches = (scrape: Scrape) => Number(scrape.sample('rendition_warm_batch_seconds').count);
    const before = await scrapeMetrics(server.url);
    const form = new FormData();
    form.set('file', new Blob([await jpegImage(500, 400)]), 'bird.jpg');
    form.set('path', 'birds/bird.jpg');
    form.set('warm', 'image');
    const registered = await fetch(`${server.url}/admin/images`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.adminToken.token}` },
      body: form,
    });
    expect(registered.status).toBe(201);
    const { warmed } = (await registered.json()) as { warmed: { image: { created: number } } };
    const after = await scrapeMetrics(server.url);
    expect(batches(after) - batches(before)).toBe(1);
    expect(warmed.image.created).toBeGreaterThan(0);
    expect(thumbnails(after) - thumbnails(before)).toBe(warmed.image.created);
  });

  it("includes Node's process metrics", async () => {
    const scrape = await scrapeMetrics(server.url);
    expect(scrape.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(scrape.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(scrape.families.map((f) => f.name)).toContain('nodejs_eventloop_lag_seconds');
  });

  it('keeps its own counts: another server in the same process starts at zero', async () => {
    const other = await startTestServer();
    try {
      const scrape = await scrapeMetrics(other.url);
      expect(scrape.value('rendition_media_responses_total', { outcome: 'hit' })).toBe(0);
      expect(scrape.value('rendition_errors_total', { code: 'NOT_FOUND' })).toBe(0);
      expect(scrape.families.map((f) => f.name)).not.toContain('process_cpu_user_seconds_total');
    } finally {
      await other.dispose();
    }
  });
});

describe('GET /metrics while renders run', () => {
  it('shows renders in flight and waiting, and none once they are done', async () => {
    const server = await startTestServer({ RENDER_CONCURRENCY: '1', ARBITRARY_SIZES: 'true' });
    try {
      await server.putOriginal('big.jpg', await jpegImage(2400, 1800));
      const sizes = [300, 301, 302, 303, 304, 305, 306, 307];
      const requests = sizes.map((size) =>
        fetch(`${server.url}/media/big.jpg/crop/${size}x${size}.png`).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      );
      // Scraped until one shows renders waiting (8 renders at one at a time: a long window).
      let seen: { running: number; waiting: number } | undefined;
      await until(
        async () => {
          const scrape = await scrapeMetrics(server.url);
          const running = scrape.value('rendition_renders_in_flight');
          const waiting = scrape.value('rendition_render_queue_length');
          if (waiting > 0) seen = { running, waiting };
          return seen !== undefined;
        },
        { timeoutMs: 20_000, message: 'no scrape showed a render waiting' },
      );
      expect(seen?.running).toBe(1);
      expect(seen?.waiting).toBeGreaterThan(0);
      expect(await Promise.all(requests)).toEqual(sizes.map(() => 200));
      const done = await scrapeMetrics(server.url);
      expect(done.value('rendition_renders_in_flight')).toBe(0);
      expect(done.value('rendition_render_queue_length')).toBe(0);
      expect(done.value('rendition_renders_total', { sizer: 'crop', format: 'png' })).toBe(
        sizes.length,
      );
    } finally {
      await server.dispose();
    }
  });
});

describe('METRICS_REQUIRE_TOKEN', () => {
  it('puts /metrics behind the admin token', async () => {
    const server = await startTestServer({ METRICS_REQUIRE_TOKEN: 'true' });
    try {
      const refused = await fetch(`${server.url}/metrics`);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'UNAUTHORIZED',
      );
      const scrape = await scrapeMetrics(server.url, {
        Authorization: `Bearer ${server.adminToken.token}`,
      });
      expect(scrape.value('rendition_errors_total', { code: 'UNAUTHORIZED' })).toBe(1);
    } finally {
      await server.dispose();
    }
  });
});
