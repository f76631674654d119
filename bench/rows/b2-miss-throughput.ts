// B2: unique misses at c=4 and c=16 (unpinned): rendition vs ipx on the same image and
// options, and vs raw sharp with 2 renders in flight.

import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RowGroup } from '../lib/context.js';
import { interleaved } from '../lib/points.js';
import { rawThroughput, serverEncoder } from '../lib/raw-sharp.js';
import { type Row, row } from '../lib/report.js';
import { startBaseline, startRendition } from '../lib/servers.js';
import { IPX_JPEG, OURS_JPEG, SizeCounter } from '../lib/sizes.js';
import { median } from '../lib/stats.js';
import { runWrk } from '../lib/wrk.js';

export const b2: RowGroup = {
  id: 'B2',
  title: 'unique misses at c=4 and c=16 vs ipx and raw sharp',
  async run(ctx) {
    const dir = await ctx.scratch('b2');
    const ours = await startRendition({ dir });
    const ipx = await startBaseline({
      name: 'ipx',
      script: 'ipx',
      env: { MEDIA_ROOT: join(dir, 'media') },
    });
    try {
      await copyFile(ctx.inputs.mosaic, join(ours.mediaRoot, 'mosaic.jpg'));
      const counter = new SizeCounter();
      const rows: Row[] = [];
      const details: Record<string, unknown> = {};
      let allMisses = true;
      let oursC16 = 0;
      for (const connections of [4, 16]) {
        const before = await ours.cacheFiles();
        let misses = 0;
        let answered = 0;
        const points = await interleaved(ctx.options, {
          ours: async (seconds) => {
            const result = await runWrk({
              url: ours.url,
              connections,
              seconds,
              unique: { template: OURS_JPEG, start: counter.take(seconds * 100 + 100) },
            });
            misses += result.counts.miss;
            answered += result.requests;
            await ours.settle();
            return result;
          },
          ipx: async (seconds) => {
            const result = await runWrk({
              url: ipx.url,
              connections,
              seconds,
              unique: { template: IPX_JPEG, start: 0 },
            });
            await ipx.settle();
            return result;
          },
        });
        const files = (await ours.cacheFiles()) - before;
        // Requests cut off when wrk stops still finish on the server: files >= answered.
        const realMisses =
          misses === answered && files >= answered && files <= answered + connections * 4;
        allMisses &&= realMisses;
        details[`c${connections}`] = { points, files, misses, answered };
        if (connections === 16) oursC16 = points.ours.rps;
        const note = realMisses ? undefined : `misses ${misses}/${answered}, files ${files}`;
        rows.push(
          row({
            id: 'B2',
            workload: `unique misses, c=${connections}, JPEG 350 px`,
            ours: { value: points.ours.rps, unit: 'req/s' },
            baseline: { label: 'ipx', value: points.ipx.rps, unit: 'req/s' },
            minRatio: 1.2,
            holds: realMisses,
            ...(note === undefined ? {} : { note }),
          }),
        );
        if (connections === 16) {
          rows.push(
            row({
              id: 'B2',
              workload: 'unique misses, c=16, p99',
              ours: { label: 'p99', value: points.ours.p99, unit: 'ms' },
              baseline: { label: 'ipx p99', value: points.ipx.p99, unit: 'ms' },
              maxRatio: 1,
            }),
          );
        }
      }
      const encoder = await serverEncoder(ours.env);
      const raw: number[] = [];
      for (let rep = 0; rep < ctx.options.reps; rep += 1) {
        raw.push(await rawThroughput(ctx.inputs.mosaic, 'jpg', encoder, 2, ctx.options.durationS));
      }
      details.raw = raw;
      rows.push(
        row({
          id: 'B2',
          workload: 'unique misses, c=16 vs raw sharp with 2 in flight',
          ours: { value: oursC16, unit: 'req/s' },
          baseline: { label: 'raw', value: median(raw), unit: 'ops/s' },
          minRatio: 0.9,
          holds: allMisses,
        }),
      );
      ctx.detail('B2', details);
      return rows;
    } finally {
      await Promise.all([ours.stop(), ipx.stop()]);
    }
  },
};
