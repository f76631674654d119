// B15: node A's hit throughput while node B, sharing its PostgreSQL registry and MEDIA_ROOT,
// renders at full load, beside A's hits with B idle. This machine has 2 cores, so each node
// (and its load generator) is pinned to a core of its own, standing in for two machines:
// what is measured is what reaches A through the shared parts (the registry's connections
// and notifications, the disk, the machine's caches), not two nodes fighting for one core.
// The runs alternate (alone, under load), so both see the machine's noise alike.

import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startPostgresCluster } from '../../test/helpers/postgres-cluster.js';
import { get } from '../lib/client.js';
import type { RowGroup } from '../lib/context.js';
import { HIT_PATH } from '../lib/hit.js';
import { summarize } from '../lib/points.js';
import { row } from '../lib/report.js';
import { type Rendition, startRendition } from '../lib/servers.js';
import { OURS_JPEG, SizeCounter } from '../lib/sizes.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';

/** Hit clients on A: enough to keep its one core busy. */
const HIT_CONNECTIONS = 16;
/** Miss clients on B: its render queue stays full. */
const MISS_CONNECTIONS = 16;

export const b15: RowGroup = {
  id: 'B15',
  title: "node A's hit throughput while node B renders at full load",
  async run(ctx) {
    const postgres = await startPostgresCluster();
    const started: Rendition[] = [];
    try {
      const media = await ctx.scratch('b15-media');
      await copyFile(ctx.inputs.mosaic, join(media, 'mosaic.jpg'));
      const shared = {
        REGISTRY: 'postgres',
        DATABASE_URL: await postgres.createDatabase('b15'),
        MEDIA_ROOT: media,
      };
      const start = async (name: string, cpus: string) => {
        const server = await startRendition({
          name,
          dir: await ctx.scratch(name),
          cpus,
          env: shared,
        });
        started.push(server);
        return server;
      };
      const a = await start('b15-a', '0');
      const b = await start('b15-b', '1');
      for (let i = 0; i < 2; i += 1) {
        const answer = await get(`${a.url}${HIT_PATH}`, false);
        if (answer.status !== 200) throw new Error(`B15: ${HIT_PATH} answered ${answer.status}`);
      }
      const counter = new SizeCounter();
      const hits = (seconds: number) =>
        runWrk({ url: `${a.url}${HIT_PATH}`, connections: HIT_CONNECTIONS, seconds, cpus: '0' });
      const renders = async (seconds: number) => {
        const result = await runWrk({
          url: b.url,
          connections: MISS_CONNECTIONS,
          seconds,
          cpus: '1',
          unique: { template: OURS_JPEG, start: counter.take(seconds * 100 + 200) },
        });
        await b.settle();
        return result;
      };
      await Promise.all([hits(ctx.options.warmupS), renders(ctx.options.warmupS)]);
      const alone: WrkResult[] = [];
      const under: WrkResult[] = [];
      const load: WrkResult[] = [];
      for (let rep = 0; rep < ctx.options.reps; rep += 1) {
        alone.push(await hits(ctx.options.durationS));
        const [hit, miss] = await Promise.all([
          hits(ctx.options.durationS),
          renders(ctx.options.durationS),
        ]);
        under.push(hit);
        load.push(miss);
      }
      const hitAlone = summarize(alone);
      const hitUnder = summarize(under);
      const missLoad = summarize(load);
      const failed = load.reduce((sum, r) => sum + r.counts.s5xx, 0);
      ctx.detail('B15', { hitAlone, hitUnder, missLoad });
      return [
        row({
          id: 'B15',
          workload: `hits on node A (c=${HIT_CONNECTIONS}, core 0) while node B renders c=${MISS_CONNECTIONS} unique misses (core 1), one PostgreSQL`,
          ours: { label: 'A under load req/s', value: hitUnder.rps, unit: 'req/s' },
          baseline: { label: 'A alone req/s', value: hitAlone.rps, unit: 'req/s' },
          minRatio: 0.95,
          note: `B rendered ${missLoad.rps.toFixed(1)} misses/s, ${failed} answered 5xx`,
        }),
      ];
    } finally {
      for (const server of started.reverse()) await server.stop().catch(() => undefined);
      await postgres.destroy();
    }
  },
};
