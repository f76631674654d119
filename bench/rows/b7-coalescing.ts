// B7: bursts of identical cold requests (16 and 64 at once) and 4 distinct x 16: one render
// per distinct rendition, and a wall time close to one miss. ipx (no coalescing) beside it.

import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { burst, get } from '../lib/client.js';
import type { RowGroup } from '../lib/context.js';
import { type Row, row } from '../lib/report.js';
import { startBaseline, startRendition } from '../lib/servers.js';
import { fill, IPX_JPEG, OURS_JPEG, SizeCounter } from '../lib/sizes.js';
import { median } from '../lib/stats.js';

export const b7: RowGroup = {
  id: 'B7',
  title: 'concurrent identical cold requests (single-flight)',
  async run(ctx) {
    const dir = await ctx.scratch('b7');
    const node = await startRendition({ dir });
    const ipx = await startBaseline({
      name: 'ipx',
      script: 'ipx',
      env: { MEDIA_ROOT: join(dir, 'media') },
    });
    try {
      await copyFile(ctx.inputs.mosaic, join(node.mediaRoot, 'mosaic.jpg'));
      const counter = new SizeCounter();
      const url = (index: number) => `${node.url}${fill(OURS_JPEG, index)}`;
      const reps = ctx.options.reps;
      // Warm-up: the first render of a process is slower (sharp, thread pool).
      await get(url(counter.take(1)), false);
      await get(`${ipx.url}${fill(IPX_JPEG, 0)}`, false);

      const single: number[] = [];
      const fourSingles: number[] = [];
      for (let rep = 0; rep < reps + 2; rep += 1) {
        single.push((await get(url(counter.take(1)), false)).ms);
      }
      for (let rep = 0; rep < reps; rep += 1) {
        const start = counter.take(4);
        fourSingles.push((await burst([0, 1, 2, 3].map((i) => url(start + i)))).wallMs);
      }
      const shapes = [
        { name: '16 identical', distinct: 1, copies: 16 },
        { name: '64 identical', distinct: 1, copies: 64 },
        { name: '4 distinct x 16', distinct: 4, copies: 16 },
      ];
      const rows: Row[] = [];
      const details: Record<string, unknown> = { single, fourSingles };
      let ours64 = 0;
      for (const shape of shapes) {
        const walls: number[] = [];
        let renders = 0;
        let errors = 0;
        for (let rep = 0; rep < reps; rep += 1) {
          const start = counter.take(shape.distinct);
          const urls = Array.from({ length: shape.distinct * shape.copies }, (_, i) =>
            url(start + (i % shape.distinct)),
          );
          const before = await node.cacheFiles();
          const result = await burst(urls);
          walls.push(result.wallMs);
          const misses = result.answers.filter((a) => a.outcome === 'miss').length;
          errors += result.answers.filter((a) => a.status !== 200).length;
          const files = (await node.cacheFiles()) - before;
          renders = Math.max(renders, misses, files);
        }
        const baseline = shape.distinct === 1 ? median(single) : median(fourSingles);
        if (shape.name === '64 identical') ours64 = median(walls);
        details[shape.name] = { walls, renders, errors };
        rows.push(
          row({
            id: 'B7',
            workload: `${shape.name} cold requests at once`,
            ours: { label: 'wall', value: median(walls), unit: 'ms' },
            baseline: {
              label: shape.distinct === 1 ? 'one miss' : '4 distinct misses at once',
              value: baseline,
              unit: 'ms',
            },
            maxRatio: 1.5,
            holds: renders === shape.distinct && errors === 0,
            note: `${renders} render(s) for ${shape.distinct} distinct${errors > 0 ? `, ${errors} errors` : ''}`,
          }),
        );
      }
      const ipxWalls: number[] = [];
      for (let rep = 0; rep < reps; rep += 1) {
        const start = counter.take(1);
        ipxWalls.push(
          (await burst(Array.from({ length: 64 }, () => `${ipx.url}${fill(IPX_JPEG, start)}`)))
            .wallMs,
        );
      }
      details.ipx64 = ipxWalls;
      rows.push(
        row({
          id: 'B7',
          workload: '64 identical cold requests at once, vs ipx (renders all 64)',
          ours: { label: 'wall', value: ours64, unit: 'ms' },
          baseline: { label: 'ipx wall', value: median(ipxWalls), unit: 'ms' },
        }),
      );
      ctx.detail('B7', details);
      return rows;
    } finally {
      await Promise.all([node.stop(), ipx.stop()]);
    }
  },
};
