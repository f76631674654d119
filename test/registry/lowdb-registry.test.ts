// The lowdb registry on real files in a temp dir: durability, compaction, crash recovery, locking.

import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRegistry } from '../../src/registry/lowdb-registry.js';
import type { ImageRecord } from '../../src/registry/registry.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rendition-registry-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function recordFor(path: string, extra: Partial<ImageRecord> = {}): ImageRecord {
  return {
    path,
    width: 640,
    height: 480,
    format: 'jpeg',
    bytes: 1234,
    sha256: 'a'.repeat(64),
    ppoi: { x: 0.5, y: 0.5 },
    source: { kind: 'upload', fileName: 'x.jpg' },
    createdAt: '2026-11-24T00:00:00.000Z',
    ...extra,
  };
}

describe('lowdb registry', () => {
  it('puts, gets, replaces and deletes, durably across reopen', async () => {
    const registry = await openRegistry({ dataDir: dir });
    await registry.put(recordFor('a.jpg'));
    await registry.put(recordFor('b.jpg'));
    await registry.put(recordFor('a.jpg', { ppoi: { x: 0.1, y: 0.2 } }));
    expect(await registry.delete('b.jpg')).toBe(true);
    expect(await registry.delete('b.jpg')).toBe(false);
    expect(registry.size).toBe(1);
    await registry.close();

    const reopened = await openRegistry({ dataDir: dir });
    expect(reopened.get('a.jpg')?.ppoi).toEqual({ x: 0.1, y: 0.2 });
    expect(reopened.get('b.jpg')).toBeUndefined();
    expect(reopened.size).toBe(1);
    await reopened.close();
  });

  it('pages in path order with a cursor and a prefix', async () => {
    const registry = await openRegistry({ dataDir: dir });
    const paths = ['b/2.jpg', 'a/1.jpg', 'b/1.jpg', 'c.jpg', 'b/3.jpg', 'a/2.jpg'];
    await Promise.all(paths.map((path) => registry.put(recordFor(path))));
    const first = registry.list({ limit: 4 });
    expect(first.items.map((r) => r.path)).toEqual(['a/1.jpg', 'a/2.jpg', 'b/1.jpg', 'b/2.jpg']);
    expect(first.next).toBe('b/2.jpg');
    const second = registry.list({ limit: 4, cursor: first.next ?? undefined });
    expect(second.items.map((r) => r.path)).toEqual(['b/3.jpg', 'c.jpg']);
    expect(second.next).toBeNull();
    const inB = registry.list({ limit: 2, prefix: 'b/' });
    expect(inB.items.map((r) => r.path)).toEqual(['b/1.jpg', 'b/2.jpg']);
    expect(
      registry
        .list({ limit: 2, prefix: 'b/', cursor: inB.next ?? undefined })
        .items.map((r) => r.path),
    ).toEqual(['b/3.jpg']);
    expect(registry.list({ limit: 5, prefix: 'zzz' })).toEqual({ items: [], next: null });
    await registry.close();
  });

  it('loses nothing under 300 concurrent registrations', async () => {
    const registry = await openRegistry({ dataDir: dir, compactEvery: 100 });
    const paths = Array.from({ length: 300 }, (_, i) => `p/${i}.jpg`);
    await Promise.all(paths.map((path) => registry.put(recordFor(path))));
    await registry.close();
    const reopened = await openRegistry({ dataDir: dir });
    expect(reopened.size).toBe(300);
    expect(reopened.paths()).toEqual([...paths].sort());
    await reopened.close();
  });

  it('compacts into db.json and starts a fresh journal', async () => {
    const registry = await openRegistry({ dataDir: dir, compactEvery: 5 });
    for (let i = 0; i < 12; i += 1) await registry.put(recordFor(`${i}.jpg`));
    await registry.compact();
    const snapshot = JSON.parse(await readFile(join(dir, 'db.json'), 'utf8')) as {
      seq: number;
      images: unknown[];
    };
    expect(snapshot.seq).toBe(12);
    expect(snapshot.images).toHaveLength(12);
    expect(await readFile(join(dir, 'db.journal'), 'utf8')).toBe('');
    await registry.put(recordFor('after.jpg'));
    await registry.close();
    expect((await readdir(dir)).sort()).toEqual(['db.journal', 'db.json']);
    const reopened = await openRegistry({ dataDir: dir });
    expect(reopened.size).toBe(13);
    await reopened.close();
  });

  it('drops a torn last journal line (an append cut by a crash) and keeps the rest', async () => {
    const registry = await openRegistry({ dataDir: dir });
    await registry.put(recordFor('kept.jpg'));
    await registry.close();
    await appendFile(join(dir, 'db.journal'), '{"seq":2,"put":{"path":"torn.jp');
    const reopened = await openRegistry({ dataDir: dir });
    expect(reopened.paths()).toEqual(['kept.jpg']);
    await reopened.close();
  });

  it('recovers a compaction cut short: old snapshot, rotated journal and new journal', async () => {
    const line = (seq: number, path: string) =>
      `${JSON.stringify({ seq, put: recordFor(path) })}\n`;
    await writeFile(
      join(dir, 'db.json'),
      JSON.stringify({
        format: 'rendition-registry',
        version: 1,
        seq: 1,
        images: [recordFor('one.jpg')],
      }),
    );
    await writeFile(join(dir, 'db.journal.old'), line(1, 'one.jpg') + line(2, 'two.jpg'));
    await writeFile(
      join(dir, 'db.journal'),
      `${line(3, 'three.jpg')}${JSON.stringify({ seq: 4, delete: 'one.jpg' })}\n`,
    );
    const registry = await openRegistry({ dataDir: dir });
    expect(registry.paths()).toEqual(['three.jpg', 'two.jpg']);
    expect((await readdir(dir)).sort()).toEqual(['db.journal', 'db.json', 'db.lock']);
    await registry.close();
  });

  it('refuses to start over a corrupt snapshot', async () => {
    await writeFile(join(dir, 'db.json'), '{"format":"rendition-registry","vers');
    await expect(openRegistry({ dataDir: dir })).rejects.toThrow(/JSON/);
    await writeFile(join(dir, 'db.json'), '{"hello":"world"}');
    await expect(openRegistry({ dataDir: dir })).rejects.toThrow(/not a rendition registry/);
    expect(await readdir(dir)).not.toContain('db.lock');
  });

  it("lets one owner at a time hold DATA_DIR, and takes over a dead owner's lock", async () => {
    const registry = await openRegistry({ dataDir: dir });
    await expect(openRegistry({ dataDir: dir })).rejects.toThrow(/already open/);
    await registry.close();
    await writeFile(join(dir, 'db.lock'), '4194305\n');
    const next = await openRegistry({ dataDir: dir });
    expect(await readFile(join(dir, 'db.lock'), 'utf8')).toBe(`${process.pid}\n`);
    await next.close();
  });
});
