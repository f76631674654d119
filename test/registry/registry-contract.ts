// The Registry contract, one suite for every backend (the way unstorage tests its drivers):
// each backend's test file calls `describeRegistryContract` with how to open it.

import { afterEach, describe, expect, it } from 'vitest';
import type { ImageRecord, Registry } from '../../src/registry/registry.js';

export function recordFor(path: string, extra: Partial<ImageRecord> = {}): ImageRecord {
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

export interface RegistryBackend {
  /** A fresh, empty registry (each test gets its own storage). */
  open(): Promise<Registry>;
  /** The same storage as the last `open`, opened again (after the test closed it). */
  reopen(): Promise<Registry>;
}

export function describeRegistryContract(name: string, backend: () => RegistryBackend): void {
  describe(`Registry contract: ${name}`, () => {
    const opened: Registry[] = [];
    let current: RegistryBackend;
    async function open(again = false): Promise<Registry> {
      if (!again) current = backend();
      const registry = again ? await current.reopen() : await current.open();
      opened.push(registry);
      return registry;
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((r) => r.close().catch(() => undefined)));
    });

    it('puts, gets, replaces and deletes, durably across reopen', async () => {
      const registry = await open();
      await registry.put(recordFor('a.jpg'));
      await registry.put(recordFor('b.jpg'));
      await registry.put(recordFor('a.jpg', { ppoi: { x: 0.1, y: 0.2 }, ppoiSet: true }));
      expect(await registry.delete('b.jpg')).toBe(true);
      expect(await registry.delete('b.jpg')).toBe(false);
      expect(registry.size).toBe(1);
      await registry.close();

      const reopened = await open(true);
      expect(reopened.get('a.jpg')).toEqual(
        recordFor('a.jpg', { ppoi: { x: 0.1, y: 0.2 }, ppoiSet: true }),
      );
      expect(reopened.get('b.jpg')).toBeUndefined();
      expect(reopened.size).toBe(1);
    });

    it('pages in path order with a cursor and a prefix (keyset pagination)', async () => {
      const registry = await open();
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
    });

    it('loses nothing under 300 concurrent registrations', async () => {
      const registry = await open();
      const paths = Array.from({ length: 300 }, (_, i) => `p/${i}.jpg`);
      await Promise.all(paths.map((path) => registry.put(recordFor(path))));
      await registry.close();
      const reopened = await open(true);
      expect(reopened.size).toBe(300);
      expect(reopened.paths()).toEqual([...paths].sort());
    });

    it('gives a snapshot of paths that later changes leave alone', async () => {
      const registry = await open();
      await registry.put(recordFor('one.jpg'));
      const snapshot = registry.paths();
      await registry.put(recordFor('two.jpg'));
      await registry.delete('one.jpg');
      expect(snapshot).toEqual(['one.jpg']);
      expect(registry.paths()).toEqual(['two.jpg']);
    });
  });
}
