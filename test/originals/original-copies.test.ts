// The read-through copies of S3 originals without a bucket: a fake fetch in memory, a real
// directory. A fetch answers from memory at once, its file is written behind and used after,
// a copy too large to keep is never written, and a failed write leaves no copy behind.

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOriginalCopies, type Fetched } from '../../src/originals/original-copies.js';
import { inputBytes } from '../helpers/original-bytes.js';
import { until } from '../helpers/until.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function copiesWith(
  maxBytes: number,
  objects: Map<string, Buffer>,
  memoryBytes = 1024 * 1024,
) {
  const dir = await mkdtemp(join(tmpdir(), 'rendition-copies-'));
  dirs.push(dir);
  const fetches: string[] = [];
  const copies = createOriginalCopies({
    dir: join(dir, 'copies'),
    maxBytes,
    memoryBytes,
    freshMs: 60_000,
    // As the S3 store does: into memory when the object fits what it may keep, else the file.
    async fetch(path, file, known, memory): Promise<Fetched> {
      fetches.push(path);
      const bytes = objects.get(path);
      if (bytes === undefined) throw new Error(`${path}: no such object`);
      const version = `v${bytes.length}:${bytes[0]}`;
      if (known === version) return { kind: 'unchanged' };
      const fetched = { kind: 'fetched', version, size: bytes.length, mtimeMs: 1 } as const;
      if (bytes.length <= memory.bytes) {
        const into = memory.allocate(bytes.length);
        bytes.copy(into);
        return { ...fetched, bytes: into };
      }
      await writeFile(file, bytes);
      return fetched;
    },
    onChanged: async () => {},
  });
  const files = async () => readdir(join(dir, 'copies')).catch(() => [] as string[]);
  return { copies, fetches, files, dir };
}

describe('original copies', () => {
  it('answers a fetch from memory, then from the file written behind it', async () => {
    const bytes = Buffer.from('the original bytes');
    const { copies, fetches, files } = await copiesWith(1024, new Map([['a.jpg', bytes]]));
    const first = await copies.lease('a.jpg');
    expect(first.input).toBeInstanceOf(Buffer);
    expect(await inputBytes(first.input)).toEqual(bytes);
    first.release();
    await until(async () => {
      const copy = await copies.lease('a.jpg');
      copy.release();
      return typeof copy.input === 'string';
    });
    expect(await files()).toHaveLength(1);
    const second = await copies.lease('a.jpg');
    expect(typeof second.input).toBe('string');
    expect(await inputBytes(second.input)).toEqual(bytes);
    second.release();
    expect(fetches).toEqual(['a.jpg']);
    expect(copies.bytes).toBe(bytes.length);
  });

  it('never writes a copy larger than ORIGINALS_CACHE_BYTES, and fetches it again', async () => {
    const bytes = Buffer.alloc(2048, 7);
    const { copies, fetches, files } = await copiesWith(1024, new Map([['big.jpg', bytes]]));
    for (let i = 0; i < 2; i += 1) {
      const copy = await copies.lease('big.jpg');
      expect(await inputBytes(copy.input)).toEqual(bytes);
      copy.release();
    }
    expect(fetches).toEqual(['big.jpg', 'big.jpg']);
    expect(await files()).toEqual([]);
    expect(copies.bytes).toBe(0);
  });

  it('keeps at most memoryBytes of fetched bytes in memory; past it a fetch goes to the file', async () => {
    const objects = new Map(
      ['a', 'b', 'c'].map((name) => [`${name}.jpg`, Buffer.alloc(600, name)]),
    );
    // Room for one 600-byte original in memory, and for all three as copies on disk.
    const { copies } = await copiesWith(4096, objects, 1000);
    const a = await copies.lease('a.jpg');
    expect(a.input).toBeInstanceOf(Buffer);
    expect(copies.inMemory).toBe(600);
    const b = await copies.lease('b.jpg');
    expect(typeof b.input).toBe('string');
    expect(await inputBytes(b.input)).toEqual(objects.get('b.jpg'));
    // a's copy is written, but the render holding a's bytes still counts until it ends.
    await until(async () => {
      const again = await copies.lease('a.jpg');
      again.release();
      return typeof again.input === 'string';
    });
    expect(copies.inMemory).toBe(600);
    a.release();
    b.release();
    expect(copies.inMemory).toBe(0);
    const c = await copies.lease('c.jpg');
    expect(c.input).toBeInstanceOf(Buffer);
    c.release();
  });

  it('drops a copy whose file cannot be written, and removes the file of a dropped one', async () => {
    const objects = new Map([
      ['a.jpg', Buffer.from('bytes of a')],
      ['b.jpg', Buffer.from('bytes of b')],
    ]);
    const { copies, fetches, files, dir } = await copiesWith(1024, objects);
    (await copies.lease('a.jpg')).release();
    await until(async () => (await files()).length === 1);
    copies.drop('a.jpg');
    await until(async () => (await files()).length === 0);
    expect(copies.bytes).toBe(0);

    // The copies dir turned into a file: the write behind b's fetch fails.
    await rm(join(dir, 'copies'), { recursive: true });
    await writeFile(join(dir, 'copies'), 'in the way');
    const b = await copies.lease('b.jpg');
    expect(await inputBytes(b.input)).toEqual(objects.get('b.jpg'));
    b.release();
    await until(() => copies.bytes === 0);
    (await copies.lease('b.jpg')).release();
    expect(fetches).toEqual(['a.jpg', 'b.jpg', 'b.jpg']);
  });
});

describe('fetched buffers', () => {
  const MiB = 1024 * 1024;
  const bufferOf = (input: unknown): Buffer => {
    expect(input).toBeInstanceOf(Buffer);
    return input as Buffer;
  };

  it('uses a buffer again once nothing reads it, never while a render holds it', async () => {
    const objects = new Map([
      ['x.jpg', Buffer.alloc(1.5 * MiB, 1)],
      ['y.jpg', Buffer.alloc(1.5 * MiB, 2)],
    ]);
    // ORIGINALS_CACHE_BYTES=0: every lease fetches, and no copy is ever written.
    const { copies, fetches } = await copiesWith(0, objects, 8 * MiB);
    const first = await copies.lease('x.jpg');
    const reused = bufferOf(first.input).buffer;
    first.release();
    const second = await copies.lease('x.jpg');
    expect(bufferOf(second.input).buffer).toBe(reused);

    // A render past RENDER_TIMEOUT still reads: its hold outlives the caller's release.
    const done = second.hold();
    second.release();
    const third = await copies.lease('y.jpg');
    expect(bufferOf(third.input).buffer).not.toBe(reused);
    expect((await inputBytes(second.input)).equals(Buffer.alloc(1.5 * MiB, 1))).toBe(true);
    expect((await inputBytes(third.input)).equals(Buffer.alloc(1.5 * MiB, 2))).toBe(true);
    done();
    third.release();
    const fourth = await copies.lease('x.jpg');
    expect([reused, bufferOf(third.input).buffer]).toContain(bufferOf(fourth.input).buffer);
    expect((await inputBytes(fourth.input)).equals(Buffer.alloc(1.5 * MiB, 1))).toBe(true);
    fourth.release();
    expect(fetches).toHaveLength(4);
    expect(copies.inMemory).toBe(0);
  });
});
