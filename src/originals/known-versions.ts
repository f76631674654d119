// The version (ETag) of each original this node last read or wrote, as its rescans compare
// them. Kept in a file in DATA_DIR, so an object replaced while the node was down is still
// noticed by the first rescan after it starts: its renditions on disk are of the old one.

import { readFile, rename, writeFile } from 'node:fs/promises';

export interface KnownVersions {
  get(path: string): string | undefined;
  set(path: string, version: string): void;
  delete(path: string): void;
  /** A copy, safe to iterate while the map changes. */
  entries(): [string, string][];
  readonly size: number;
  /** Writes the file (temp + rename) when anything changed since the last save. */
  save(): Promise<void>;
}

/** Reads `file` (missing or unreadable: starts empty; it is knowledge, not data). */
export async function loadKnownVersions(file: string): Promise<KnownVersions> {
  const known = new Map<string, string>();
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { versions?: unknown };
    if (typeof parsed.versions === 'object' && parsed.versions !== null) {
      for (const [path, version] of Object.entries(parsed.versions)) {
        if (typeof version === 'string') known.set(path, version);
      }
    }
  } catch {}
  let dirty = false;
  return {
    get: (path) => known.get(path),
    set(path, version) {
      if (known.get(path) === version) return;
      known.set(path, version);
      dirty = true;
    },
    delete(path) {
      dirty = known.delete(path) || dirty;
    },
    entries: () => [...known],
    get size() {
      return known.size;
    },
    async save() {
      if (!dirty) return;
      dirty = false;
      const temp = `${file}.${process.pid}.tmp`;
      await writeFile(temp, JSON.stringify({ versions: Object.fromEntries(known) }));
      await rename(temp, file);
    },
  };
}
