// B13: a miss on node B answered from the shared object node A rendered (RENDITION_STORE=s3)
// beside a node rendering that miss itself: 4000x3000 photo in radosgw -> ~350 px JPEG. For
// every new size, A renders it (storing the object), then B (shared) and C (local renditions,
// the same bucket, its read-through copy of the original warm) each answer it as a miss,
// taking turns so they share the machine's noise.

import { readFile } from 'node:fs/promises';
import { startPostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { destroyRadosgwCluster, startRadosgwCluster } from '../../test/helpers/radosgw-cluster.js';
import { get, keepAliveAgent } from '../lib/client.js';
import type { RowGroup } from '../lib/context.js';
import { row } from '../lib/report.js';
import { bucketWith, s3Env } from '../lib/s3.js';
import { type Rendition, startRendition } from '../lib/servers.js';
import { fill, SizeCounter } from '../lib/sizes.js';
import { quantile } from '../lib/stats.js';

const BUCKET = 'bench-shared';

export const b13: RowGroup = {
  id: 'B13',
  title: 'a miss answered from the shared object vs rendering it',
  async run(ctx) {
    const radosgw = await startRadosgwCluster();
    const postgres = await startPostgresCluster();
    const started: Rendition[] = [];
    try {
      await bucketWith(radosgw, BUCKET, 'mosaic.jpg', await readFile(ctx.inputs.mosaic));
      const shared = {
        ...s3Env(radosgw, BUCKET),
        REGISTRY: 'postgres',
        DATABASE_URL: await postgres.createDatabase('b13_shared'),
        RENDITION_STORE: 's3',
      };
      const start = async (name: string, env: Record<string, string>) => {
        const server = await startRendition({ name, dir: await ctx.scratch(name), env });
        started.push(server);
        return server;
      };
      const a = await start('b13-a', shared);
      const b = await start('b13-b', shared);
      const c = await start('b13-c', s3Env(radosgw, BUCKET));

      const times = { shared: [] as number[], render: [] as number[] };
      const expected = { shared: 'shared', render: 'miss' } as const;
      let wrong = 0;
      const counter = new SizeCounter();
      const agent = keepAliveAgent();
      const n = ctx.options.b1Misses;
      for (let i = -5; i < n; i += 1) {
        const path = fill('/media/mosaic.jpg/thumbnail/{W}x{H}.jpg', counter.take(1));
        const made = await get(`${a.url}${path}`, agent);
        if (made.status !== 200) throw new Error(`B13: ${made.status} from node A for ${path}`);
        for (const [name, server] of [
          ['shared', b],
          ['render', c],
        ] as const) {
          const answer = await get(`${server.url}${path}`, agent);
          if (answer.status !== 200) throw new Error(`B13: ${answer.status} from ${server.url}`);
          if (answer.outcome !== expected[name]) wrong += 1;
          // The first five are warm-up (C's first fetch of the original among them).
          if (i >= 0) times[name].push(answer.ms);
        }
      }
      agent.destroy();
      ctx.detail('B13', { times, wrong });
      const note =
        wrong === 0 ? {} : { note: `${wrong} answers were not the outcome measured (shared/miss)` };
      return [
        row({
          id: 'B13',
          workload: `miss 4000x3000 -> 350 px JPEG on node B, ${n} misses`,
          ours: { label: 'shared object p50', value: quantile(times.shared, 0.5), unit: 'ms' },
          baseline: { label: 'render p50', value: quantile(times.render, 0.5), unit: 'ms' },
          maxRatio: 0.2,
          holds: wrong === 0,
          ...note,
        }),
        row({
          id: 'B13',
          workload: `miss 4000x3000 -> 350 px JPEG on node B, ${n} misses`,
          ours: { label: 'shared object p99', value: quantile(times.shared, 0.99), unit: 'ms' },
          baseline: { label: 'render p99', value: quantile(times.render, 0.99), unit: 'ms' },
        }),
      ];
    } finally {
      for (const server of started.reverse()) await server.stop().catch(() => undefined);
      await postgres.destroy();
      await destroyRadosgwCluster(radosgw);
    }
  },
};
