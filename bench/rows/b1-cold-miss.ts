// B1: cold misses, one client: 4000x3000 photo -> ~350 px thumbnail, JPEG q80 and WebP q80,
// cache write included, against the same sharp pipeline in-process on the same file.
// Blocks of ours and raw alternate; every request is a new size (a real miss).

import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { get, keepAliveAgent } from '../lib/client.js';
import type { Context, RowGroup } from '../lib/context.js';
import {
  type EncoderSettings,
  type RawFormat,
  rawSerial,
  serverEncoder,
} from '../lib/raw-sharp.js';
import { type Row, row } from '../lib/report.js';
import { startRendition } from '../lib/servers.js';
import { fill, SizeCounter } from '../lib/sizes.js';
import { quantile } from '../lib/stats.js';

export const b1: RowGroup = {
  id: 'B1',
  title: 'cold miss, one client, vs raw sharp',
  async run(ctx) {
    const server = await startRendition({ dir: await ctx.scratch('b1') });
    try {
      await copyFile(ctx.inputs.mosaic, join(server.mediaRoot, 'mosaic.jpg'));
      await copyFile(ctx.inputs.noise, join(server.mediaRoot, 'noise.jpg'));
      const counter = new SizeCounter();
      const n = ctx.options.b1Misses;
      const encoder = await serverEncoder(server.env);
      const jpeg = await compare(ctx, server.url, counter, {
        original: 'mosaic.jpg',
        file: ctx.inputs.mosaic,
        format: 'jpg',
        encoder,
        count: n,
      });
      const webp = await compare(ctx, server.url, counter, {
        original: 'mosaic.jpg',
        file: ctx.inputs.mosaic,
        format: 'webp',
        encoder,
        count: n,
      });
      const noise = await compare(ctx, server.url, counter, {
        original: 'noise.jpg',
        file: ctx.inputs.noise,
        format: 'jpg',
        encoder,
        count: Math.ceil(n / 2),
      });
      const files = await server.cacheFiles();
      const requested = jpeg.requests + webp.requests + noise.requests;
      const allMisses = [jpeg, webp, noise].every((c) => c.misses === c.requests);
      const realMisses = allMisses && files === requested;
      ctx.detail('B1', { jpeg, webp, noise, cacheFiles: files, requested });
      const check = realMisses
        ? undefined
        : `NOT all misses: ${files} files for ${requested} requests`;
      const rows: Row[] = [];
      for (const [name, c, goals] of [
        ['JPEG', jpeg, true],
        ['WebP', webp, true],
        ['noise JPEG (worst case)', noise, false],
      ] as const) {
        const workload = `cold miss 4000x3000 -> 350 px ${name}, 1 client, ${c.ours.length} misses`;
        rows.push(
          row({
            id: 'B1',
            workload,
            ours: { label: 'p50', value: quantile(c.ours, 0.5), unit: 'ms' },
            baseline: { label: 'raw p50', value: quantile(c.raw, 0.5), unit: 'ms' },
            ...(goals ? { maxRatio: 1.15, holds: realMisses } : {}),
            ...(check === undefined ? {} : { note: check }),
          }),
          row({
            id: 'B1',
            workload,
            ours: { label: 'p99', value: quantile(c.ours, 0.99), unit: 'ms' },
            baseline: { label: 'raw p99', value: quantile(c.raw, 0.99), unit: 'ms' },
            ...(goals ? { maxRatio: 1.5, holds: realMisses } : {}),
          }),
        );
      }
      return rows;
    } finally {
      await server.stop();
    }
  },
};

interface Comparison {
  readonly requests: number;
  readonly misses: number;
  readonly ours: number[];
  readonly raw: number[];
}

/** `count` misses of ours and `count` raw renders, in alternating blocks, after a warm-up. */
interface Case {
  readonly original: string;
  readonly file: string;
  readonly format: RawFormat;
  readonly encoder: EncoderSettings;
  readonly count: number;
}

async function compare(
  ctx: Context,
  base: string,
  counter: SizeCounter,
  { original, file, format, encoder, count }: Case,
): Promise<Comparison> {
  const template = `${base}/media/${original}/thumbnail/{W}x{H}.${format}`;
  const agent = keepAliveAgent();
  const ours: number[] = [];
  const raw: number[] = [];
  let misses = 0;
  let requests = 0;
  const oursBlock = async (n: number, keep: boolean) => {
    const start = counter.take(n);
    for (let i = 0; i < n; i += 1) {
      const answer = await get(fill(template, start + i), agent);
      requests += 1;
      if (answer.status !== 200)
        throw new Error(`B1: ${answer.status} from ${fill(template, start + i)}`);
      if (answer.outcome === 'miss') misses += 1;
      if (keep) ours.push(answer.ms);
    }
  };
  const rawBlock = async (n: number, keep: boolean) => {
    const times = await rawSerial(file, format, encoder, counter.take(n), n);
    if (keep) raw.push(...times);
  };
  await oursBlock(5, false);
  await rawBlock(5, false);
  const blocks = Math.max(1, ctx.options.reps);
  for (let b = 0; b < blocks; b += 1) {
    const n = Math.ceil(count / blocks);
    await oursBlock(n, true);
    await rawBlock(n, true);
  }
  agent.destroy();
  return { requests, misses, ours, raw };
}
