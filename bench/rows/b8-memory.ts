// B8: memory under sustained unique misses (c=16) with idle gaps, rendition vs ipx under the
// same load, one after the other; then a 10k x 10k JPEG must be refused with a 4xx and no
// RSS spike. Both run with the allocator rendition is deployed with (jemalloc when installed).

import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { get } from '../lib/client.js';
import type { Context, RowGroup } from '../lib/context.js';
import { jemallocPreload } from '../lib/malloc.js';
import { sampleRss } from '../lib/proc.js';
import { row } from '../lib/report.js';
import { type HttpServer, startBaseline, startRendition } from '../lib/servers.js';
import { IPX_JPEG, OURS_JPEG, SizeCounter } from '../lib/sizes.js';
import { fmt, MiB, sleep } from '../lib/stats.js';
import { runWrk } from '../lib/wrk.js';

interface Soak {
  /** Peak RSS of each cycle's load phase, bytes. */
  readonly peaks: number[];
  /** RSS at the end of each cycle's idle phase, bytes. */
  readonly idle: number[];
  requests: number;
  failed: number;
}

export const b8: RowGroup = {
  id: 'B8',
  title: 'memory: soak of unique misses, idle gaps, a 10k x 10k JPEG',
  async run(ctx) {
    const dir = await ctx.scratch('b8');
    const preload = jemallocPreload();
    const node = await startRendition({ dir, env: preload });
    try {
      await copyFile(ctx.inputs.mosaic, join(node.mediaRoot, 'mosaic.jpg'));
      await copyFile(ctx.inputs.huge, join(node.mediaRoot, 'huge.jpg'));
      const counter = new SizeCounter();
      const ours = await soak(ctx, node, (seconds) =>
        runWrk({
          url: node.url,
          connections: 16,
          seconds,
          unique: { template: OURS_JPEG, start: counter.take(seconds * 100 + 100) },
        }),
      );

      // The huge original: refused from its header, before any decode.
      const before = await node.proc.rss();
      const sampler = sampleRss(node.proc.pid, 5);
      const answer = await get(`${node.url}/media/huge.jpg/thumbnail/350x350.jpg`, false);
      await sleep(200);
      const { peak } = await sampler.stop();
      const spike = Math.max(0, peak - before);

      const ipx = await startBaseline({
        name: 'ipx',
        script: 'ipx',
        env: { MEDIA_ROOT: node.mediaRoot, ...preload },
      });
      let theirs: Soak;
      try {
        theirs = await soak(ctx, ipx, (seconds) =>
          runWrk({
            url: ipx.url,
            connections: 16,
            seconds,
            unique: { template: IPX_JPEG, start: 0 },
          }),
        );
      } finally {
        await ipx.stop();
      }
      ctx.detail('B8', { ours, ipx: theirs, huge: { status: answer.status, before, peak } });
      const peakOf = (s: Soak) => Math.max(...s.peaks) / MiB;
      const growth = (s: Soak) => ((s.idle[s.idle.length - 1] ?? 0) / (s.idle[0] ?? 1) - 1) * 100;
      const cycles = `${ctx.options.soakCycles} x (${ctx.options.soakLoadS} s load + ${ctx.options.soakIdleS} s idle), ${'LD_PRELOAD' in preload ? 'jemalloc' : 'glibc malloc'}`;
      return [
        row({
          id: 'B8',
          workload: `peak RSS, unique misses c=16, ${cycles}`,
          ours: { label: 'peak', value: peakOf(ours), unit: 'MiB' },
          baseline: { label: 'ipx peak', value: peakOf(theirs), unit: 'MiB' },
          maxRatio: 0.8,
          holds: ours.failed === 0,
          ...(ours.failed > 0 ? { note: `${ours.failed} failed requests` } : {}),
        }),
        row({
          id: 'B8',
          workload: 'RSS growth across cycles (after idle, last vs first)',
          ours: { label: 'growth', value: growth(ours), unit: '%' },
          baseline: { label: 'ipx growth', value: growth(theirs), unit: '%' },
          goal: '< 10 %',
          holds: growth(ours) < 10,
          note: `after idle: ${ours.idle.map((b) => fmt(b / MiB)).join(', ')} MiB`,
        }),
        row({
          id: 'B8',
          workload: '10000x10000 JPEG requested: refused, RSS spike',
          ours: { label: 'spike', value: spike / MiB, unit: 'MiB' },
          goal: '4xx, spike < 32 MiB',
          holds: answer.status >= 400 && answer.status < 500 && spike < 32 * MiB,
          note: `status ${answer.status} in ${fmt(answer.ms)} ms`,
        }),
      ];
    } finally {
      await node.stop();
    }
  },
};

async function soak(
  ctx: Context,
  server: HttpServer,
  load: (seconds: number) => ReturnType<typeof runWrk>,
): Promise<Soak> {
  const { soakCycles, soakLoadS, soakIdleS } = ctx.options;
  const result: Soak = { peaks: [], idle: [], requests: 0, failed: 0 };
  for (let cycle = 0; cycle < soakCycles; cycle += 1) {
    const sampler = sampleRss(server.proc.pid, 200);
    const run = await load(soakLoadS);
    await server.settle();
    const { peak } = await sampler.stop();
    result.peaks.push(peak);
    result.requests += run.requests;
    result.failed += run.errors.status + run.errors.timeout + run.errors.connect + run.errors.read;
    await sleep(soakIdleS * 1000);
    result.idle.push(await server.proc.rss());
    ctx.log(
      `  ${server.proc.name} cycle ${cycle + 1}: ${run.requests} misses, peak ${fmt(peak / MiB)} MiB, after idle ${fmt((result.idle[cycle] ?? 0) / MiB)} MiB`,
    );
  }
  return result;
}
