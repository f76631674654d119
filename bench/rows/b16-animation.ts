// B16: an animated original, one client: a 100-frame 480x270 GIF -> an animated ~180 px
// WebP (every frame, delays and loop kept), cache write included, against the same sharp
// pipeline in-process on the same file. Blocks of ours and raw alternate; every request
// is a new width (a real miss).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { get, keepAliveAgent } from '../lib/client.js';
import type { RowGroup } from '../lib/context.js';
import { serverEncoder } from '../lib/raw-sharp.js';
import { type Row, row } from '../lib/report.js';
import { startRendition } from '../lib/servers.js';
import { quantile } from '../lib/stats.js';

const FRAMES = 100;
const WIDTH = 480;
const HEIGHT = 270;
/** Widths asked for: 180 and its neighbours, each once per side (misses, never hits). */
const widthAt = (i: number) => 180 + (i % 2 === 0 ? i / 2 : -(i + 1) / 2);

export const b16: RowGroup = {
  id: 'B16',
  title: 'animated GIF -> animated WebP, one client, vs raw sharp',
  async run(ctx) {
    const dir = await ctx.scratch('b16');
    const server = await startRendition({ dir, env: { ARBITRARY_SIZES: 'true' } });
    try {
      const file = join(server.mediaRoot, 'anim.gif');
      await writeFile(file, await animatedGif());
      const { webpQuality } = await serverEncoder(server.env);
      const count = ctx.options.quick ? 10 : 30;
      const agent = keepAliveAgent();
      const ours: number[] = [];
      const raw: number[] = [];
      let misses = 0;
      let next = 0;
      const oursBlock = async (n: number, keep: boolean) => {
        for (let i = 0; i < n; i += 1) {
          const url = `${server.url}/media/anim.gif/thumbnail/${widthAt(next++)}x0.webp`;
          const answer = await get(url, agent);
          if (answer.status !== 200) throw new Error(`B16: ${answer.status} from ${url}`);
          if (answer.outcome === 'miss') misses += 1;
          if (keep) ours.push(answer.ms);
        }
      };
      const rawBlock = async (n: number, keep: boolean) => {
        for (let i = 0; i < n; i += 1) {
          const width = widthAt(next++);
          const started = performance.now();
          await rawAnimated(file, width, webpQuality);
          if (keep) raw.push(performance.now() - started);
        }
      };
      await oursBlock(3, false);
      await rawBlock(3, false);
      const blocks = Math.max(1, ctx.options.reps);
      for (let b = 0; b < blocks; b += 1) {
        await oursBlock(Math.ceil(count / blocks), true);
        await rawBlock(Math.ceil(count / blocks), true);
      }
      agent.destroy();
      const check = await checkOutput(server.url);
      const holds = misses === ours.length + 3 && check === undefined;
      ctx.detail('B16', { ours, raw, misses, check });
      const workload = `animated ${FRAMES}-frame ${WIDTH}x${HEIGHT} GIF -> ~180 px animated WebP, 1 client, ${ours.length} misses`;
      const rows: Row[] = [
        row({
          id: 'B16',
          workload,
          ours: { label: 'p50', value: quantile(ours, 0.5), unit: 'ms' },
          baseline: { label: 'raw p50', value: quantile(raw, 0.5), unit: 'ms' },
          maxRatio: 1.15,
          holds,
          ...(check === undefined ? {} : { note: check }),
        }),
        row({
          id: 'B16',
          workload,
          ours: { label: 'p99', value: quantile(ours, 0.99), unit: 'ms' },
          baseline: { label: 'raw p99', value: quantile(raw, 0.99), unit: 'ms' },
        }),
      ];
      return rows;
    } finally {
      await server.stop();
    }
  },
};

/** The same pipeline the server runs for this URL: every frame, resized, WebP, timing kept. */
async function rawAnimated(file: string, width: number, quality: number): Promise<Buffer> {
  const meta = await sharp(file).metadata();
  const height = Math.max(1, Math.round((width * HEIGHT) / WIDTH));
  return sharp(file, { animated: true, limitInputPixels: false })
    .resize(width, height, { fit: 'fill' })
    .webp({ quality, loop: meta.loop ?? 0, ...(meta.delay ? { delay: meta.delay } : {}) })
    .toBuffer();
}

/** Undefined when the server's answer is an animated WebP of every frame, else what is wrong. */
async function checkOutput(base: string): Promise<string | undefined> {
  const response = await fetch(`${base}/media/anim.gif/thumbnail/180x0.webp`);
  const meta = await sharp(Buffer.from(await response.arrayBuffer()), {
    animated: true,
  }).metadata();
  if (meta.format === 'webp' && meta.pages === FRAMES && meta.width === 180) return undefined;
  return `NOT an animated WebP of ${FRAMES} frames: ${meta.format}, ${meta.pages} pages, ${meta.width} wide`;
}

/** 100 frames of 480x270: a gradient and a block moving across it, 40 ms each, looping. */
function animatedGif(): Promise<Buffer> {
  const frameBytes = WIDTH * HEIGHT * 3;
  const strip = Buffer.alloc(frameBytes * FRAMES);
  for (let f = 0; f < FRAMES; f += 1) {
    const blockX = Math.round((f / FRAMES) * (WIDTH - 60));
    for (let y = 0; y < HEIGHT; y += 1) {
      for (let x = 0; x < WIDTH; x += 1) {
        const inBlock = x >= blockX && x < blockX + 60 && y >= 100 && y < 160;
        const at = f * frameBytes + (y * WIDTH + x) * 3;
        strip[at] = inBlock ? 240 : (x * 255) / WIDTH;
        strip[at + 1] = inBlock ? 40 : (y * 255) / HEIGHT;
        strip[at + 2] = inBlock ? 40 : ((f * 255) / FRAMES + x) % 256;
      }
    }
  }
  return sharp(strip, {
    raw: { width: WIDTH, height: HEIGHT * FRAMES, channels: 3, pageHeight: HEIGHT },
  })
    .gif({ delay: Array(FRAMES).fill(40), loop: 0 })
    .toBuffer();
}
