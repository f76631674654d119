// B12: cold misses with the original in Ceph radosgw (ORIGINALS_STORE=s3) beside the same
// original on local disk: 4000x3000 photo -> ~350 px JPEG, one client. "Cold": with
// ORIGINALS_CACHE_BYTES=0 every miss fetches the 1.5 MB object again; "cached": the default
// read-through copy, so only the first miss fetches. "Cold" runs twice: against the gateway
// set up as docs/multi-node.md recommends (256 KiB RADOS reads), and against a second
// gateway with radosgw's stock 4 MiB. The servers take turns per request, so they share the
// machine's noise; every request is a new size (a real miss).

import { readFile } from 'node:fs/promises';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  destroyRadosgwCluster,
  type Gateway,
  startGateway,
  startRadosgwCluster,
} from '../../test/helpers/radosgw-cluster.js';
import { get, keepAliveAgent } from '../lib/client.js';
import type { RowGroup } from '../lib/context.js';
import { type Row, row } from '../lib/report.js';
import { bucketWith, s3Env } from '../lib/s3.js';
import { type Rendition, startRendition } from '../lib/servers.js';
import { fill, SizeCounter } from '../lib/sizes.js';
import { quantile } from '../lib/stats.js';

const BUCKET = 'bench-originals';

export const b12: RowGroup = {
  id: 'B12',
  title: 'cold miss with the original in radosgw vs on local disk',
  async run(ctx) {
    const cluster = await startRadosgwCluster();
    const started: Rendition[] = [];
    let stockGateway: Gateway | undefined;
    try {
      await bucketWith(cluster, BUCKET, 'mosaic.jpg', await readFile(ctx.inputs.mosaic));
      const s3 = (cacheBytes: string) => ({
        ...s3Env(cluster, BUCKET),
        ORIGINALS_CACHE_BYTES: cacheBytes,
      });
      const local = await startRendition({
        name: 'b12-local',
        dir: await ctx.scratch('b12-local'),
      });
      started.push(local);
      await copyFile(ctx.inputs.mosaic, join(local.mediaRoot, 'mosaic.jpg'));
      const cold = await startRendition({
        name: 'b12-s3-cold',
        dir: await ctx.scratch('b12-s3-cold'),
        env: s3('0'),
      });
      started.push(cold);
      stockGateway = await startGateway(cluster, [
        '--rgw_max_chunk_size=4194304',
        '--rgw_get_obj_max_req_size=4194304',
      ]);
      const stock = await startRendition({
        name: 'b12-s3-stock',
        dir: await ctx.scratch('b12-s3-stock'),
        env: { ...s3('0'), S3_ENDPOINT: stockGateway.endpoint },
      });
      started.push(stock);
      const cached = await startRendition({
        name: 'b12-s3-cached',
        dir: await ctx.scratch('b12-s3-cached'),
        env: s3(String(256 * 1024 * 1024)),
      });
      started.push(cached);

      const servers = { local, cold, stock, cached };
      const times = {
        local: [] as number[],
        cold: [] as number[],
        stock: [] as number[],
        cached: [] as number[],
      };
      const counter = new SizeCounter();
      const agent = keepAliveAgent();
      let misses = 0;
      let requests = 0;
      const n = ctx.options.b1Misses;
      for (let i = -5; i < n; i += 1) {
        for (const name of ['local', 'cold', 'stock', 'cached'] as const) {
          const url = fill(
            `${servers[name].url}/media/mosaic.jpg/thumbnail/{W}x{H}.jpg`,
            counter.take(1),
          );
          const answer = await get(url, agent);
          if (answer.status !== 200) throw new Error(`B12: ${answer.status} from ${url}`);
          requests += 1;
          if (answer.outcome === 'miss') misses += 1;
          // The first five of each are warm-up (the cached server's first fetch among them).
          if (i >= 0) times[name].push(answer.ms);
        }
      }
      agent.destroy();
      const allMisses = misses === requests;
      ctx.detail('B12', { times, misses, requests });
      const note = allMisses ? {} : { note: `NOT all misses: ${misses} of ${requests}` };
      const rows: Row[] = [];
      for (const [label, series, goal] of [
        ['radosgw, fetched per miss (ORIGINALS_CACHE_BYTES=0)', times.cold, true],
        ['stock radosgw (4 MiB RADOS reads), fetched per miss', times.stock, false],
        ['radosgw, read-through copy', times.cached, false],
      ] as const) {
        rows.push(
          row({
            id: 'B12',
            workload: `cold miss 4000x3000 -> 350 px JPEG, ${label}, ${series.length} misses`,
            ours: { label: 's3 p50', value: quantile(series, 0.5), unit: 'ms' },
            baseline: { label: 'local p50', value: quantile(times.local, 0.5), unit: 'ms' },
            ...(goal ? { maxRatio: 1.2, holds: allMisses } : {}),
            ...note,
          }),
          row({
            id: 'B12',
            workload: `cold miss 4000x3000 -> 350 px JPEG, ${label}, ${series.length} misses`,
            ours: { label: 's3 p99', value: quantile(series, 0.99), unit: 'ms' },
            baseline: { label: 'local p99', value: quantile(times.local, 0.99), unit: 'ms' },
          }),
        );
      }
      return rows;
    } finally {
      for (const server of started) await server.stop();
      await stockGateway?.stop();
      await destroyRadosgwCluster(cluster);
    }
  },
};
