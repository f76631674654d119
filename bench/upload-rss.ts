// `npx tsx bench/upload-rss.ts`: peak RSS of rendition while N uploads of one 16.7 MP AVIF
// arrive at once (issue 14, item 11: sixteen of them peaked at 1.5 GiB when every upload's
// validating decode ran at the same time). Reports VmHWM (the kernel's exact peak) per run
// and the median; `--cli <dir>/cli.js` measures another build (e.g. the code before a fix).

import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { jemallocPreload, mallocName } from './lib/malloc.js';
import { ADMIN_TOKEN, REPO, startRendition } from './lib/servers.js';
import { median } from './lib/stats.js';

const MIB = 1024 * 1024;
// 16.7 MP, just under MAX_INPUT_PIXELS' default of 16.8 MP.
const WIDTH = 5008;
const HEIGHT = 3336;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    uploads: { type: 'string', default: '16' },
    cli: { type: 'string', default: join(REPO, 'dist', 'cli.js') },
    // The production allocator (docker/Dockerfile, deploy/): jemalloc when installed.
    glibc: { type: 'boolean', default: false },
    'render-concurrency': { type: 'string', default: '2' },
  },
});

/** A photo-like 16.7 MP AVIF (smooth blobs, not noise: a real size), made once and kept. */
async function avifInput(): Promise<Buffer> {
  const file = join(tmpdir(), `rendition-bench-${WIDTH}x${HEIGHT}.avif`);
  if (existsSync(file)) return readFile(file);
  const small = await sharp({
    create: {
      width: Math.round(WIDTH / 16),
      height: Math.round(HEIGHT / 16),
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .png()
    .toBuffer();
  const avif = await sharp(small)
    .resize(WIDTH, HEIGHT, { kernel: 'cubic' })
    .avif({ quality: 60, effort: 0 })
    .toBuffer();
  await writeFile(file, avif);
  return avif;
}

/** VmHWM (peak resident set since start) and VmRSS of a process, in bytes. */
async function memoryOf(pid: number): Promise<{ peak: number; now: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { peak: kib('VmHWM') * 1024, now: kib('VmRSS') * 1024 };
}

async function oneRun(avif: Buffer, uploads: number): Promise<{ idle: number; peak: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'rendition-upload-rss-'));
  const server = await startRendition({
    dir,
    cli: values.cli,
    env: {
      ...(values.glibc ? {} : jemallocPreload()),
      RENDER_CONCURRENCY: values['render-concurrency'],
    },
  });
  try {
    const idle = (await memoryOf(server.proc.pid)).now;
    const statuses = await Promise.all(
      Array.from({ length: uploads }, async (_, i) => {
        const form = new FormData();
        form.set('path', `bench/u${i}.avif`);
        form.set('file', new Blob([avif]), `u${i}.avif`);
        const reply = await fetch(`${server.url}/admin/images`, {
          method: 'POST',
          body: form,
          headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
        });
        await reply.arrayBuffer();
        return reply.status;
      }),
    );
    const refused = statuses.filter((status) => status !== 201);
    if (refused.length > 0) throw new Error(`uploads answered ${refused.join(', ')}`);
    return { idle, peak: (await memoryOf(server.proc.pid)).peak };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const runs = Number(values.runs);
  const uploads = Number(values.uploads);
  await stat(values.cli);
  const avif = await avifInput();
  console.log(
    `${uploads} concurrent uploads of a ${WIDTH}x${HEIGHT} AVIF (${(avif.length / MIB).toFixed(1)} MiB), ` +
      `RENDER_CONCURRENCY=${values['render-concurrency']}, ${mallocName(values.glibc ? {} : jemallocPreload())}, ${values.cli}`,
  );
  const peaks: number[] = [];
  for (let run = 1; run <= runs; run += 1) {
    const { idle, peak } = await oneRun(avif, uploads);
    peaks.push(peak);
    console.log(
      `run ${run}: RSS at start ${(idle / MIB).toFixed(0)} MiB, peak (VmHWM) ${(peak / MIB).toFixed(0)} MiB`,
    );
  }
  console.log(`median peak: ${(median(peaks) / MIB).toFixed(0)} MiB over ${runs} runs`);
}

await main();
