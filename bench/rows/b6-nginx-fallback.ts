// B6: misses through nginx falling back to Node (upstream keepalive) vs the same misses
// straight to Node: one client, requests alternating between the two paths. Plus the
// fallback's throughput on a cheap Node route (GET /healthz) through nginx vs direct.

import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/net.js';
import { get, keepAliveAgent } from '../lib/client.js';
import type { RowGroup } from '../lib/context.js';
import { interleaved } from '../lib/points.js';
import { row } from '../lib/report.js';
import { renditionNginxConfig, startNginx, startRendition } from '../lib/servers.js';
import { fill, OURS_JPEG, SizeCounter } from '../lib/sizes.js';
import { fmt, quantile } from '../lib/stats.js';
import { runWrk } from '../lib/wrk.js';

export const b6: RowGroup = {
  id: 'B6',
  title: 'misses through nginx falling back to Node vs direct',
  async run(ctx) {
    const node = await startRendition({ dir: await ctx.scratch('b6') });
    const stops: (() => Promise<void>)[] = [() => node.stop()];
    try {
      await copyFile(ctx.inputs.mosaic, join(node.mediaRoot, 'mosaic.jpg'));
      const frontPort = await freePort();
      const front = await startNginx({
        name: 'nginx (rendition config)',
        dir: await ctx.scratch('b6-front'),
        // /healthz is the cheap Node route the fallback is measured on: forward it.
        siteConfig: await renditionNginxConfig(node, frontPort, ['--expose-ops']),
        port: frontPort,
      });
      stops.push(() => front.stop());

      const counter = new SizeCounter();
      const direct = keepAliveAgent();
      const viaNginx = keepAliveAgent();
      const times = { direct: [] as number[], nginx: [] as number[] };
      let misses = 0;
      const n = ctx.options.b1Misses;
      const warmup = 6;
      const start = counter.take(2 * (n + warmup));
      for (let i = 0; i < 2 * (n + warmup); i += 1) {
        const throughNginx = i % 2 === 1;
        const base = throughNginx ? front.url : node.url;
        const answer = await get(
          `${base}${fill(OURS_JPEG, start + i)}`,
          throughNginx ? viaNginx : direct,
        );
        if (answer.status !== 200) throw new Error(`B6: ${answer.status}`);
        if (answer.outcome === 'miss') misses += 1;
        if (i >= 2 * warmup) (throughNginx ? times.nginx : times.direct).push(answer.ms);
      }
      direct.destroy();
      viaNginx.destroy();
      const files = await node.cacheFiles();
      const realMisses = misses === 2 * (n + warmup) && files === misses;
      const added = quantile(times.nginx, 0.5) - quantile(times.direct, 0.5);

      const fallback = await interleaved(ctx.options, {
        nginx: (seconds) => runWrk({ url: `${front.url}/healthz`, connections: 16, seconds }),
        direct: (seconds) => runWrk({ url: `${node.url}/healthz`, connections: 16, seconds }),
      });
      ctx.detail('B6', { times, misses, files, fallback });
      return [
        row({
          id: 'B6',
          workload: `cold miss via nginx -> Node, 1 client, ${n} misses`,
          ours: { label: 'p50', value: quantile(times.nginx, 0.5), unit: 'ms' },
          baseline: { label: 'direct p50', value: quantile(times.direct, 0.5), unit: 'ms' },
          goal: 'added p50 <= 1 ms',
          holds: added <= 1 && realMisses,
          note: `added ${fmt(added)} ms${realMisses ? '' : `; NOT all misses (${files} files)`}`,
        }),
        row({
          id: 'B6',
          workload: 'fallback throughput: GET /healthz via nginx upstream keepalive, c=16',
          ours: { value: fallback.nginx.rps, unit: 'req/s' },
          baseline: { label: 'direct', value: fallback.direct.rps, unit: 'req/s' },
        }),
      ];
    } finally {
      for (const stop of stops.reverse()) await stop();
    }
  },
};
