// The lowdb registry on real files in a temp dir: durability, compaction, crash recovery, locking.

import { appendFile, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRegistry } from '../../src/registry/lowdb-registry.js';
import { describeRegistryContract, recordFor } from './registry-contract.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rendition-registry-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeRegistryContract('lowdb', () => ({
  open: () => openRegistry({ dataDir: dir }),
  reopen: () => openRegistry({ dataDir: dir }),
}));

describe('lowdb registry', () => {
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
    expect((await readdir(dir)).sort()).toEqual(['db.journal', 'db.json']);
    await registry.close();
  });

  it('refuses to start over a corrupt snapshot', async () => {
    await writeFile(join(dir, 'db.json'), '{"format":"rendition-registry","vers');
    await expect(openRegistry({ dataDir: dir })).rejects.toThrow(/JSON/);
    await writeFile(join(dir, 'db.json'), '{"hello":"world"}');
    await expect(openRegistry({ dataDir: dir })).rejects.toThrow(/not a rendition registry/);
    expect(await readdir(dir)).not.toContain('db.lock');
  });

  it('lets one owner at a time hold DATA_DIR, under any path to it, and frees it on close', async () => {
    const registry = await openRegistry({ dataDir: dir });
    await expect(openRegistry({ dataDir: dir })).rejects.toThrow(/already open/);
    const alias = `${dir}-alias`;
    await symlink(dir, alias);
    await expect(openRegistry({ dataDir: alias })).rejects.toThrow(/already open/);
    await registry.close();
    // A pid file of an older version naming a live pid (here: pid 1) is no lock any more.
    await writeFile(join(dir, 'db.lock'), '1\n');
    const next = await openRegistry({ dataDir: alias });
    await next.close();
    await rm(alias);
  });
});
