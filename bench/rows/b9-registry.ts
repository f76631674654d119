// B9: the registry at 1k/10k/100k records in-process (startup, registration latency,
// event-loop delay) beside plain lowdb JSONFile; then the real server holding 100k records:
// 10 registrations/s over the admin API while B4 (hot hits, pinned) runs, its event-loop
// delay read from a preloaded monitorEventLoopDelay probe.

import { mkdir, readFile } from 'node:fs/promises';
import { admin } from '../lib/client.js';
import type { Context, RowGroup } from '../lib/context.js';
import { HIT_PATH, prepareHit } from '../lib/hit.js';
import { measurePlainLowdb, measureRendition, seedSnapshot } from '../lib/registry.js';
import { type Row, row } from '../lib/report.js';
import { ADMIN_TOKEN, type Rendition, startRendition } from '../lib/servers.js';
import { median, quantile, sleep } from '../lib/stats.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';

const SERVER_RECORDS = 100_000;

export const b9: RowGroup = {
  id: 'B9',
  title: 'registry: startup, registrations, event-loop delay; hits during registrations',
  async run(ctx) {
    const rows: Row[] = [];
    const details: Record<string, unknown> = {};
    for (const size of ctx.options.registrySizes) {
      const ours = await measureRendition(size);
      const plain = await measurePlainLowdb(size);
      details[`inProcess${size}`] = { ours, plain };
      const at = `${size / 1000}k records`;
      const goals = size === 100_000;
      rows.push(
        row({
          id: 'B9',
          workload: `registry startup, ${at}`,
          ours: { value: ours.startup, unit: 'ms' },
          baseline: { label: 'lowdb', value: plain.startup, unit: 'ms' },
          ...(goals ? { maxValue: 500 } : {}),
        }),
        row({
          id: 'B9',
          workload: `register p50, ${at}`,
          ours: { label: 'p50', value: ours.registerP50, unit: 'ms' },
          baseline: { label: 'lowdb p50', value: plain.registerP50, unit: 'ms' },
        }),
        row({
          id: 'B9',
          workload: `register p99 (incl. 100 concurrent, a compaction), ${at}`,
          ours: { label: 'p99', value: ours.registerP99, unit: 'ms' },
          baseline: { label: 'lowdb p99', value: plain.registerP99, unit: 'ms' },
          ...(goals ? { maxValue: 50 } : {}),
        }),
        row({
          id: 'B9',
          workload: `event-loop delay p99 while registering, ${at}`,
          ours: { label: 'p99', value: ours.loopP99, unit: 'ms' },
          baseline: { label: 'lowdb p99', value: plain.loopP99, unit: 'ms' },
          ...(goals ? { maxValue: 20 } : {}),
        }),
      );
    }
    rows.push(...(await serverUnderRegistrations(ctx, details)));
    ctx.detail('B9', details);
    return rows;
  },
};

async function serverUnderRegistrations(
  ctx: Context,
  details: Record<string, unknown>,
): Promise<Row[]> {
  const dir = await ctx.scratch('b9');
  // Seed DATA_DIR before the start, so the server opens 100k records as in production.
  await mkdir(`${dir}/data`, { recursive: true });
  await seedSnapshot(`${dir}/data`, SERVER_RECORDS);
  const node = await startRendition({ dir, cpus: '1', loopProbe: true });
  try {
    await prepareHit(node, ctx.inputs.mosaic);
    const tiny = await readFile(ctx.inputs.tiny);
    let registered = 0;
    const hits = (seconds: number) =>
      runWrk({ url: `${node.url}${HIT_PATH}`, connections: 16, seconds, cpus: '0' });

    const alone: WrkResult[] = [];
    const during: WrkResult[] = [];
    const loopAlone: number[] = [];
    const loopDuring: number[] = [];
    const registerTimes: number[] = [];
    const failures: number[] = [];
    await hits(ctx.options.warmupS);
    for (let rep = 0; rep < ctx.options.reps; rep += 1) {
      await node.loopDelay();
      alone.push(await hits(ctx.options.durationS));
      loopAlone.push((await node.loopDelay()).p99);

      const load = hits(ctx.options.durationS);
      const stopAt = performance.now() + ctx.options.durationS * 1000;
      const pending: Promise<void>[] = [];
      while (performance.now() < stopAt) {
        pending.push(register(node, tiny, registered++, registerTimes, failures));
        await sleep(100);
      }
      during.push(await load);
      await Promise.all(pending);
      loopDuring.push((await node.loopDelay()).p99);
    }
    const rpsAlone = median(alone.map((r) => r.rps));
    const rpsDuring = median(during.map((r) => r.rps));
    details.server = {
      startupMs: node.proc.startupMs,
      alone,
      during,
      loopAlone,
      loopDuring,
      registerTimes,
      failures,
    };
    const failed =
      failures.length > 0 ? `${failures.length} registrations failed (${failures[0]})` : undefined;
    return [
      row({
        id: 'B9',
        workload: `server start with ${SERVER_RECORDS / 1000}k records (spawn to listening)`,
        ours: { value: node.proc.startupMs, unit: 'ms' },
      }),
      row({
        id: 'B9',
        workload: `register over HTTP (10/s, ${SERVER_RECORDS / 1000}k records) while B4 runs`,
        ours: { label: 'p99', value: quantile(registerTimes, 0.99), unit: 'ms' },
        maxValue: 50,
        holds: failed === undefined,
        note: `p50 ${quantile(registerTimes, 0.5).toFixed(1)} ms${failed === undefined ? '' : `; ${failed}`}`,
      }),
      row({
        id: 'B9',
        workload: 'server event-loop delay p99, B4 + 10 registrations/s',
        ours: { label: 'p99', value: median(loopDuring), unit: 'ms' },
        baseline: { label: 'B4 alone p99', value: median(loopAlone), unit: 'ms' },
        maxValue: 20,
      }),
      row({
        id: 'B9',
        workload: 'B4 hits with 10 registrations/s',
        ours: { value: rpsDuring, unit: 'req/s' },
        baseline: { label: 'B4 alone', value: rpsAlone, unit: 'req/s' },
        goal: 'drop <= 10 %',
        minRatio: 0.9,
      }),
    ];
  } finally {
    await node.stop();
  }
}

async function register(
  node: Rendition,
  tiny: Buffer,
  n: number,
  times: number[],
  failures: number[],
): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(tiny)], { type: 'image/jpeg' }), 'tiny.jpg');
  form.append('path', `bench/registered-${n}.jpg`);
  const answer = await admin(node.url, ADMIN_TOKEN, 'POST', '/images', form);
  if (answer.status === 201) times.push(answer.ms);
  else failures.push(answer.status);
}
