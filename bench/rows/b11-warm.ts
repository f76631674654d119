// B11: warming the 3-size `image` key set over N photos through the admin API (one decode
// per original for all its renditions) vs a loop of separate sharp calls per size and
// format, the same number of originals at once (WARM_CONCURRENCY = 2).

import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { admin } from '../lib/client.js';
import type { Context, RowGroup } from '../lib/context.js';
import { type RawFormat, rawWarm, serverEncoder } from '../lib/raw-sharp.js';
import { type Row, row } from '../lib/report.js';
import { ADMIN_TOKEN, startRendition } from '../lib/servers.js';
import { sleep } from '../lib/stats.js';

/** The default `image` key set (docs/key-sets.md#key-sets). */
const SIZES = [
  { width: 180, height: 180 },
  { width: 220, height: 220 },
  { width: 320, height: 320 },
];
const CONCURRENCY = 2;

export const b11: RowGroup = {
  id: 'B11',
  title: 'warm a 3-size key set over many photos vs separate sharp calls',
  async run(ctx) {
    return [
      await warmRow(ctx, 'avif,webp', ['avif', 'webp', 'jpg']),
      await warmRow(ctx, '', ['jpg']),
    ];
  },
};

async function warmRow(
  ctx: Context,
  negotiate: string,
  formats: readonly RawFormat[],
): Promise<Row> {
  const count = ctx.options.warmPhotos;
  const dir = await ctx.scratch('b11');
  const node = await startRendition({
    dir,
    env: { NEGOTIATE_FORMATS: negotiate, WARM_CONCURRENCY: String(CONCURRENCY) },
  });
  try {
    const paths: string[] = [];
    const files: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const path = `photos/photo-${String(i).padStart(3, '0')}.jpg`;
      const source = ctx.inputs.photos[i % ctx.inputs.photos.length] as string;
      await mkdir(join(node.mediaRoot, 'photos'), { recursive: true });
      await copyFile(source, join(node.mediaRoot, path));
      paths.push(path);
      files.push(join(node.mediaRoot, path));
    }
    const started = performance.now();
    const job = await admin(node.url, ADMIN_TOKEN, 'POST', '/warm', { keySet: 'image', paths });
    if (job.status !== 202)
      throw new Error(`POST /admin/warm: ${job.status} ${JSON.stringify(job.json)}`);
    const id = (job.json as { id: string }).id;
    let state: { state: string; created: number; failed: unknown[] };
    for (;;) {
      await sleep(25);
      state = (await admin(node.url, ADMIN_TOKEN, 'GET', `/jobs/${id}`)).json as typeof state;
      if (state.state !== 'running') break;
    }
    const oursS = (performance.now() - started) / 1000;
    const expected = count * SIZES.length * formats.length;
    const cacheFiles = await node.cacheFiles();

    const out = await ctx.scratch('b11-raw');
    const rawStarted = performance.now();
    await rawWarm(files, SIZES, formats, await serverEncoder(node.env), CONCURRENCY, out);
    const rawS = (performance.now() - rawStarted) / 1000;
    ctx.detail(`B11 ${formats.join(',')}`, { oursS, rawS, state, cacheFiles, expected });
    const complete = state.state === 'done' && cacheFiles === expected && state.failed.length === 0;
    return row({
      id: 'B11',
      workload: `warm key set image (3 sizes) x ${formats.join('+')} (${SIZES.length * formats.length} files each), ${count} photos 2560x1600`,
      ours: { value: count / oursS, unit: 'images/s' },
      baseline: { label: 'separate calls', value: count / rawS, unit: 'images/s' },
      minRatio: 1.5,
      holds: complete,
      ...(complete ? {} : { note: `job ${state.state}, ${cacheFiles}/${expected} files` }),
    });
  } finally {
    await node.stop();
  }
}
