// Registry figures at 1k / 10k / 100k records: startup, registration latency, event-loop
// delay, lookups; rendition's registry and plain lowdb JSONFile side by side, in one run.
// Run: npm run bench:registry [-- --sizes 1000,10000]

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { JSONFilePreset } from 'lowdb/node';
import { openRegistry } from '../src/registry/lowdb-registry.js';
import type { ImageRecord } from '../src/registry/registry.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '1000,10000,100000' } },
});
const SIZES = (values.sizes ?? '').split(',').map(Number);

function recordFor(i: number): ImageRecord {
  return {
    path: `uploads/2026/11/${i.toString(36).padStart(6, '0')}-holiday-photo.jpg`,
    width: 4032,
    height: 3024,
    format: 'jpeg',
    bytes: 2_345_678 + i,
    sha256: (i * 2654435761).toString(16).padStart(64, 'f').slice(0, 64),
    ppoi: { x: 0.5, y: 0.5 },
    source: { kind: 'upload', fileName: 'holiday-photo.jpg' },
    createdAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

async function seed(dir: string, count: number): Promise<void> {
  const images = Array.from({ length: count }, (_, i) => recordFor(i));
  await writeFile(
    join(dir, 'db.json'),
    JSON.stringify({ format: 'rendition-registry', version: 1, seq: 0, images }),
  );
}

async function measureRendition(count: number): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-registry-'));
  try {
    await seed(dir, count);
    const fileBytes = (await stat(join(dir, 'db.json'))).size;
    let started = performance.now();
    const registry = await openRegistry({ dataDir: dir });
    const startup = performance.now() - started;

    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const sequential: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      started = performance.now();
      await registry.put(recordFor(count + i));
      sequential.push(performance.now() - started);
    }
    started = performance.now();
    const concurrent = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const t = performance.now();
        await registry.put(recordFor(count + 1000 + i));
        return performance.now() - t;
      }),
    );
    const concurrentTotal = performance.now() - started;
    // A compaction while registrations continue: the event loop must keep flowing.
    const compaction = registry.compact();
    const during: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const t = performance.now();
      await registry.put(recordFor(count + 2000 + i));
      during.push(performance.now() - t);
    }
    await compaction;
    loop.disable();

    started = performance.now();
    for (let i = 0; i < 100_000; i += 1) registry.get(recordFor(i % count).path);
    const lookupNs = ((performance.now() - started) / 100_000) * 1e6;
    await registry.close();
    return {
      records: String(count),
      'db.json': `${(fileBytes / 1024 / 1024).toFixed(1)} MiB`,
      startup: ms(startup),
      'register p50': ms(quantile(sequential, 0.5)),
      'register p99': ms(quantile([...sequential, ...concurrent, ...during], 0.99)),
      '100 concurrent': ms(concurrentTotal),
      'loop delay p99': ms(loop.percentile(99) / 1e6),
      'loop delay max': ms(loop.max / 1e6),
      lookup: `${lookupNs.toFixed(0)} ns`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function measurePlainLowdb(count: number): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-lowdb-'));
  try {
    const file = join(dir, 'db.json');
    await writeFile(
      file,
      JSON.stringify({ images: Array.from({ length: count }, (_, i) => recordFor(i)) }),
    );
    let started = performance.now();
    const db = await JSONFilePreset<{ images: ImageRecord[] }>(file, { images: [] });
    const startup = performance.now() - started;
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const times: number[] = [];
    const rounds = count >= 100_000 ? 20 : 100;
    for (let i = 0; i < rounds; i += 1) {
      started = performance.now();
      db.data.images.push(recordFor(count + i));
      await db.write();
      times.push(performance.now() - started);
    }
    loop.disable();
    return {
      records: String(count),
      startup: ms(startup),
      'register p50': ms(quantile(times, 0.5)),
      'register p99': ms(quantile(times, 0.99)),
      'loop delay p99': ms(loop.percentile(99) / 1e6),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function table(rows: Record<string, string>[]): string {
  const columns = Object.keys(rows[0] ?? {});
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---:').join('|')}|`,
    ...rows.map((row) => `| ${columns.map((c) => row[c] ?? '').join(' | ')} |`),
  ].join('\n');
}

const ours: Record<string, string>[] = [];
const plain: Record<string, string>[] = [];
for (const size of SIZES) {
  ours.push(await measureRendition(size));
  plain.push(await measurePlainLowdb(size));
}
console.log(`rendition registry (snapshot + journal), Node ${process.version}\n\n${table(ours)}\n`);
console.log(`plain lowdb JSONFilePreset, same records, same run\n\n${table(plain)}`);
