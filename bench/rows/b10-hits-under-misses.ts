// B10: c=64 unique misses plus one client hitting a cached URL on Node: renders are bounded
// near the core count and must not starve hits. Baseline: the same hit client alone.

import type { RowGroup } from '../lib/context.js';
import { HIT_PATH, prepareHit } from '../lib/hit.js';
import { type Point, summarize } from '../lib/points.js';
import { row } from '../lib/report.js';
import { startRendition } from '../lib/servers.js';
import { OURS_JPEG, SizeCounter } from '../lib/sizes.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';

export const b10: RowGroup = {
  id: 'B10',
  title: 'hit latency on Node during c=64 unique misses',
  async run(ctx) {
    const node = await startRendition({ dir: await ctx.scratch('b10') });
    try {
      await prepareHit(node, ctx.inputs.mosaic);
      const counter = new SizeCounter();
      const hit = (seconds: number) =>
        runWrk({ url: `${node.url}${HIT_PATH}`, connections: 1, seconds });
      const misses = async (seconds: number) => {
        const result = await runWrk({
          url: node.url,
          connections: 64,
          seconds,
          unique: { template: OURS_JPEG, start: counter.take(seconds * 100 + 200) },
        });
        await node.settle();
        return result;
      };
      await Promise.all([hit(ctx.options.warmupS), misses(ctx.options.warmupS)]);
      const alone: WrkResult[] = [];
      const under: WrkResult[] = [];
      const load: WrkResult[] = [];
      for (let rep = 0; rep < ctx.options.reps; rep += 1) {
        alone.push(await hit(ctx.options.durationS));
        const [h, m] = await Promise.all([
          hit(ctx.options.durationS),
          misses(ctx.options.durationS),
        ]);
        under.push(h);
        load.push(m);
      }
      const hitAlone: Point = summarize(alone);
      const hitUnder: Point = summarize(under);
      const missLoad = summarize(load);
      const rejected = load.reduce((sum, r) => sum + r.counts.s5xx, 0);
      ctx.detail('B10', { hitAlone, hitUnder, missLoad });
      return [
        row({
          id: 'B10',
          workload: 'hit p99 on Node, 1 client, during c=64 unique misses',
          ours: { label: 'p99', value: hitUnder.p99, unit: 'ms' },
          baseline: { label: 'hit-only p99', value: hitAlone.p99, unit: 'ms' },
          maxValue: 5,
          note: `misses ${missLoad.rps.toFixed(0)} req/s, ${rejected} answered 5xx; hits ${hitUnder.rps.toFixed(0)} req/s`,
        }),
      ];
    } finally {
      await node.stop();
    }
  },
};
