// The OriginalsStore contract, one suite for every store (local disk, S3): each store's test
// file calls `describeOriginalsContract` with how to open a fresh, empty one.

import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { OriginalsStore } from '../../src/originals/originals-store.js';
import { inputBytes, servedBytes } from '../helpers/original-bytes.js';

export interface OriginalsBackend {
  /** A fresh, empty store (each test gets its own root). */
  open(): Promise<OriginalsStore>;
  /**
   * Writes `bytes` at `path` relative to the last opened store's root, behind the store's back
   * (another app: django-storages, a deploy script). `../x` writes beside the root.
   */
  writeBehind(path: string, bytes: Buffer): Promise<void>;
}

/** Distinct bytes of distinct lengths: a replace always changes size and content. */
function bytesOf(label: string): Buffer {
  return Buffer.from(`${label}:${'x'.repeat(label.length * 7)}`);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'resolved';
}

export function describeOriginalsContract(name: string, backend: () => OriginalsBackend): void {
  describe(`OriginalsStore contract: ${name}`, () => {
    const opened: OriginalsStore[] = [];
    let current: OriginalsBackend;
    async function open(): Promise<OriginalsStore> {
      current = backend();
      const store = await current.open();
      opened.push(store);
      return store;
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    async function placed(store: OriginalsStore, path: string, bytes: Buffer, replace = false) {
      const temp = await store.tempFile();
      await writeFile(temp, bytes);
      return store.place(temp, path, replace);
    }

    async function contentOf(store: OriginalsStore, path: string): Promise<Buffer> {
      const original = await store.open(path);
      try {
        return await inputBytes(original.input);
      } finally {
        original.release();
      }
    }

    it('places a validated temp file, opens it for sharp, and removes the temp', async () => {
      const store = await open();
      const temp = await store.tempFile();
      await writeFile(temp, bytesOf('one'));
      expect(await store.place(temp, 'a/b/one.jpg', false)).toEqual({ replaced: false });
      await expect(readFile(temp)).rejects.toThrow(/ENOENT/);
      const original = await store.open('a/b/one.jpg');
      expect(await inputBytes(original.input)).toEqual(bytesOf('one'));
      expect(original.size).toBe(bytesOf('one').length);
      expect(original.version).not.toBe('');
      expect(await original.current()).toBe(original.version);
      original.release();
      expect(await store.isOriginal('a/b/one.jpg')).toBe(true);
      expect(await store.exists('a/b/one.jpg')).toBe(true);
      expect(await store.kindOf('a/b/one.jpg')).toBe('file');
      expect(await store.kindOf('a/b')).toBe('directory');
      expect(await store.kindOf('a/b/none.jpg')).toBeUndefined();
    });

    it('refuses to clobber without replace (409), and replaces with a new version', async () => {
      const store = await open();
      await placed(store, 'x.jpg', bytesOf('first'));
      const before = await store.open('x.jpg');
      before.release();
      expect(await codeOf(placed(store, 'x.jpg', bytesOf('second')))).toBe('CONFLICT');
      expect(await contentOf(store, 'x.jpg')).toEqual(bytesOf('first'));
      expect(await placed(store, 'x.jpg', bytesOf('third'), true)).toEqual({ replaced: true });
      expect(await contentOf(store, 'x.jpg')).toEqual(bytesOf('third'));
      const after = await store.open('x.jpg');
      after.release();
      expect(after.version).not.toBe(before.version);
      expect(await before.current()).toBe(after.version);
    });

    it('lets exactly one of concurrent creators win', async () => {
      const store = await open();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => codeOf(placed(store, 'race.jpg', bytesOf(`r${i}`)))),
      );
      expect(results.filter((code) => code === 'resolved')).toHaveLength(1);
      expect(results.filter((code) => code === 'CONFLICT')).toHaveLength(7);
    });

    it('serves the bytes of an original', async () => {
      const store = await open();
      await placed(store, 's.jpg', bytesOf('served'));
      const served = await store.serve('s.jpg');
      if (served.kind !== 'body') throw new Error(`expected a body, got a ${served.kind}`);
      expect(served.size).toBe(bytesOf('served').length);
      expect(await servedBytes(served)).toEqual(bytesOf('served'));
      expect(await codeOf(store.serve('none.jpg'))).toBe('ORIGINAL_NOT_FOUND');
    });

    it('opens what another app wrote, and notices it changing behind its back', async () => {
      const store = await open();
      await current.writeBehind('theirs/photo.jpg', bytesOf('theirs'));
      const original = await store.open('theirs/photo.jpg');
      expect(await inputBytes(original.input)).toEqual(bytesOf('theirs'));
      original.release();
      await current.writeBehind('theirs/photo.jpg', bytesOf('theirs, changed'));
      expect(await original.current()).not.toBe(original.version);
      // A store may keep a local copy until its rescan interval has passed.
      await expect
        .poll(() => contentOf(store, 'theirs/photo.jpg'))
        .toEqual(bytesOf('theirs, changed'));
    });

    it('never takes a dotfile, a missing path or a directory for an original', async () => {
      const store = await open();
      await current.writeBehind('.env', bytesOf('secret'));
      await current.writeBehind('.git/config', bytesOf('secret'));
      await current.writeBehind('dir/inside.jpg', bytesOf('inside'));
      for (const path of ['.env', '.git/config', 'none.jpg', 'dir']) {
        expect(await codeOf(store.open(path)), path).toBe('ORIGINAL_NOT_FOUND');
        expect(await store.isOriginal(path), path).toBe(false);
      }
    });

    it('never reaches beside its root', async () => {
      const store = await open();
      await current.writeBehind('../outside.jpg', bytesOf('outside'));
      for (const path of ['../outside.jpg', 'a/../../outside.jpg']) {
        expect(['BAD_PATH', 'ORIGINAL_NOT_FOUND']).toContain(await codeOf(store.open(path)));
        expect(await store.isOriginal(path)).toBe(false);
      }
    });

    it('removes an original once', async () => {
      const store = await open();
      await placed(store, 'r/gone.jpg', bytesOf('gone'));
      expect(await store.remove('r/gone.jpg')).toBe(true);
      expect(await store.remove('r/gone.jpg')).toBe(false);
      expect(await store.exists('r/gone.jpg')).toBe(false);
      expect(await codeOf(store.open('r/gone.jpg'))).toBe('ORIGINAL_NOT_FOUND');
    });

    it('sets an original aside, then restores or discards it', async () => {
      const store = await open();
      await placed(store, 'aside.jpg', bytesOf('aside'));
      const aside = await store.setAside('aside.jpg');
      expect(aside).toBeDefined();
      expect(await store.isOriginal('aside.jpg')).toBe(false);
      await aside?.restore();
      expect(await contentOf(store, 'aside.jpg')).toEqual(bytesOf('aside'));
      const again = await store.setAside('aside.jpg');
      await again?.discard();
      expect(await store.exists('aside.jpg')).toBe(false);
      expect(await store.setAside('aside.jpg')).toBeUndefined();
    });
  });
}
