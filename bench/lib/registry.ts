// Registry figures at a given record count, in this process: rendition's registry
// (snapshot + journal) and plain lowdb JSONFile side by side. Used by B9 and bench/registry.ts.

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { JSONFilePreset } from 'lowdb/node';
import { openRegistry } from '../../src/registry/lowdb-registry.js';
import type { ImageRecord } from '../../src/registry/registry.js';
import { quantile } from './stats.js';

export function recordFor(i: number): ImageRecord {
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

/** Writes a registry snapshot (`DATA_DIR/db.json`) of `count` records into `dir`. */
export async function seedSnapshot(dir: string, count: number): Promise<void> {
  const images = Array.from({ length: count }, (_, i) => recordFor(i));
  await writeFile(
    join(dir, 'db.json'),
    JSON.stringify({ format: 'rendition-registry', version: 1, seq: 0, images }),
  );
}

/** All times in ms. */
export interface RegistryFigures {
  readonly records: number;
  readonly fileMiB: number;
  readonly startup: number;
  readonly registerP50: number;
  /** Over sequential, concurrent and during-compaction registrations. */
  readonly registerP99: number;
  /** Wall time of 100 concurrent registrations. */
  readonly concurrent100: number;
  readonly loopP99: number;
  readonly loopMax: number;
  readonly lookupNs: number;
}

export async function measureRendition(count: number): Promise<RegistryFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-registry-'));
  try {
    await seedSnapshot(dir, count);
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
    const concurrent100 = performance.now() - started;
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
      records: count,
      fileMiB: fileBytes / 1024 / 1024,
      startup,
      registerP50: quantile(sequential, 0.5),
      registerP99: quantile([...sequential, ...concurrent, ...during], 0.99),
      concurrent100,
      loopP99: loop.percentile(99) / 1e6,
      loopMax: loop.max / 1e6,
      lookupNs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface PlainLowdbFigures {
  readonly records: number;
  readonly startup: number;
  readonly registerP50: number;
  readonly registerP99: number;
  readonly loopP99: number;
}

export async function measurePlainLowdb(count: number): Promise<PlainLowdbFigures> {
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
      records: count,
      startup,
      registerP50: quantile(times, 0.5),
      registerP99: quantile(times, 0.99),
      loopP99: loop.percentile(99) / 1e6,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
