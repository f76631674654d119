// A render that outlives RENDER_TIMEOUT keeps its original readable until it really ends:
// the caller's 503 comes first, the hold ends with the work. (An S3 original's bytes go back
// to the buffer pool when the hold ends: a late release would let another fetch overwrite
// them under a render still reading them.) A real cache on a temp dir, a renderer that waits.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHotCache } from '../../src/cache/hot-cache.js';
import { type HeldRendition, createRenditionCache } from '../../src/cache/rendition-cache.js';
import { createRenderQueue } from '../../src/render/queue.js';
import type { RenderedImage, Renderer } from '../../src/render/renderer.js';
import type { RenditionSpec } from '../../src/url/rendition-spec.js';
import { until } from '../helpers/until.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const image: RenderedImage = { body: Buffer.from('rendered'), format: 'jpg', width: 9, height: 9 };
const spec = (width: number): RenditionSpec => ({
  path: 'a.jpg',
  filters: [],
  resize: { sizer: 'thumbnail', width, height: width },
});
const jpg = { kind: 'explicit', format: 'jpg' } as const;

/** A cache whose renders wait for `finish()`, callers giving up after 50 ms. */
async function slowCache() {
  const cacheRoot = await mkdtemp(join(tmpdir(), 'rendition-hold-'));
  dirs.push(cacheRoot);
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const renderer: Renderer = {
    render: () => finished.then(() => image),
    renderMany: (_input, items) =>
      finished.then(() => items.map(() => ({ status: 'fulfilled', value: image }) as const)),
  };
  const cache = createRenditionCache({
    cacheRoot,
    hotFileBytes: 0,
    renderer,
    queue: createRenderQueue({ concurrency: 2, queueLimit: 4 }),
    hotCache: createHotCache<HeldRendition>({ maxBytes: 0, maxFileBytes: 0 }),
    timeoutMs: 50,
  });
  const events: string[] = [];
  const hold = () => {
    events.push('held');
    return () => events.push('ended');
  };
  return { cache, finish, events, hold };
}

describe('holding the original through a render', () => {
  it('ends the hold when a render past RENDER_TIMEOUT ends, not when its caller gives up', async () => {
    const { cache, finish, events, hold } = await slowCache();
    await expect(cache.render('a.jpg', spec(100), jpg, hold)).rejects.toMatchObject({
      code: 'RENDER_TIMEOUT',
    });
    expect(events).toEqual(['held']);
    finish();
    await until(() => events.length === 2);
    expect(events).toEqual(['held', 'ended']);
  });

  it('does the same for a warm', async () => {
    const { cache, finish, events, hold } = await slowCache();
    const report = await cache.warm(
      'a.jpg',
      'a.jpg',
      [100, 200].map((width) => ({ spec: spec(width), choice: jpg })),
      hold,
    );
    expect(report.failed.map((f) => (f.error as { code?: string }).code)).toEqual([
      'RENDER_TIMEOUT',
      'RENDER_TIMEOUT',
    ]);
    expect(events).toEqual(['held']);
    finish();
    await until(() => events.length === 2);
    expect(events).toEqual(['held', 'ended']);
  });
});
