// B3: hits through the shipped nginx config (an explicit-format rendition: its media prefix
// location, one regex location, the raw-target check) vs plain static nginx serving the
// same file with the same sendfile/open_file_cache/access_log settings. Pinned: wrk on
// core 0, nginx (one worker) on core 1.

import { freePort } from '../../test/helpers/net.js';
import type { RowGroup } from '../lib/context.js';
import { HIT_FILE, HIT_PATH, prepareHit } from '../lib/hit.js';
import { interleaved } from '../lib/points.js';
import { childrenCpuNs } from '../lib/proc.js';
import { type Row, row } from '../lib/report.js';
import { median } from '../lib/stats.js';
import {
  plainNginxConfig,
  renditionNginxConfig,
  startNginx,
  startRendition,
} from '../lib/servers.js';
import { runWrk, type WrkOptions, type WrkResult } from '../lib/wrk.js';

/**
 * One wrk run against `server`, also recording the nginx workers' CPU time per request
 * served into `perHitUs` (microseconds).
 */
async function measuredRun(
  server: { proc: { pid: number } },
  wrk: WrkOptions,
  perHitUs: number[],
): Promise<WrkResult> {
  const before = await childrenCpuNs(server.proc.pid);
  const result = await runWrk(wrk);
  const after = await childrenCpuNs(server.proc.pid);
  if (result.requests > 0) perHitUs.push((after - before) / 1000 / result.requests);
  return result;
}

export const b3: RowGroup = {
  id: 'B3',
  title: 'hits through the shipped nginx config vs plain nginx',
  async run(ctx) {
    const dir = await ctx.scratch('b3');
    const node = await startRendition({ dir, cpus: '1' });
    const stops: (() => Promise<void>)[] = [() => node.stop()];
    try {
      await prepareHit(node, ctx.inputs.mosaic);
      const frontPort = await freePort();
      const generated = await renditionNginxConfig(node, frontPort);
      const front = await startNginx({
        name: 'nginx (rendition config)',
        dir: await ctx.scratch('b3-front'),
        siteConfig: generated,
        port: frontPort,
        cpus: '1',
      });
      stops.push(() => front.stop());
      const plainPort = await freePort();
      const plain = await startNginx({
        name: 'nginx (plain static)',
        dir: await ctx.scratch('b3-plain'),
        siteConfig: plainNginxConfig(generated, node.cacheRoot, plainPort),
        port: plainPort,
        cpus: '1',
      });
      stops.push(() => plain.stop());

      const rows: Row[] = [];
      const details: Record<string, unknown> = {};
      for (const connections of [16, 64]) {
        const cpu = { ours: [] as number[], plain: [] as number[] };
        const points = await interleaved(ctx.options, {
          ours: (seconds) =>
            measuredRun(
              front,
              { url: `${front.url}${HIT_PATH}`, connections, seconds, cpus: '0' },
              cpu.ours,
            ),
          plain: (seconds) =>
            measuredRun(
              plain,
              { url: `${plain.url}/${HIT_FILE}`, connections, seconds, cpus: '0' },
              cpu.plain,
            ),
        });
        // The first sample of each is the warm-up.
        const cpuPerHit = {
          ours: median(cpu.ours.slice(1)),
          plain: median(cpu.plain.slice(1)),
        };
        const failed = [...points.ours.runs, ...points.plain.runs].reduce(
          (sum, r) => sum + r.errors.status + r.errors.connect + r.errors.read + r.errors.timeout,
          0,
        );
        details[`c${connections}`] = { ...points, cpuPerHitUs: cpu };
        const note = failed === 0 ? undefined : `${failed} failed requests`;
        rows.push(
          row({
            id: 'B3',
            workload: `hit via the shipped nginx config, c=${connections}`,
            ours: { value: points.ours.rps, unit: 'req/s' },
            baseline: { label: 'plain nginx', value: points.plain.rps, unit: 'req/s' },
            minRatio: 0.95,
            holds: failed === 0,
            ...(note === undefined ? {} : { note }),
          }),
          // Hits per CPU-second of nginx's worker: what the throughput would be on an idle
          // core, independent of how busy the machine is while the bench runs.
          row({
            id: 'B3',
            workload: `hits per nginx CPU-second, shipped config vs plain, c=${connections}`,
            ours: { value: 1e6 / cpuPerHit.ours, unit: 'hits/CPU-s' },
            baseline: { label: 'plain nginx', value: 1e6 / cpuPerHit.plain, unit: 'hits/CPU-s' },
            minRatio: 0.95,
          }),
          row({
            id: 'B3',
            workload: `hit via the shipped nginx config, c=${connections}, p99`,
            ours: { label: 'p99', value: points.ours.p99, unit: 'ms' },
            baseline: { label: 'plain p99', value: points.plain.p99, unit: 'ms' },
            maxRatio: 1.2,
          }),
        );
      }
      ctx.detail('B3', details);
      return rows;
    } finally {
      for (const stop of stops.reverse()) await stop();
    }
  },
};
