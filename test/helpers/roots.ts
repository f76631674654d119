// What a request did to the storage roots: recursive listings before and after, compared,
// and the temp files left in `<root>/:tmp`.

import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServerRoots } from './child-server.js';

/** The temp directory of MEDIA_ROOT (uploads) and CACHE_ROOT (renditions). */
export const TEMP_DIR = ':tmp';

/** `root/relative` -> `file:<size>:<mtimeMs>`, `dir` or `link`, for every entry of the roots. */
export type RootsListing = ReadonlyMap<string, string>;

/** Lists MEDIA_ROOT, CACHE_ROOT and DATA_DIR recursively (directories' own mtimes ignored). */
export async function listRoots(roots: ServerRoots): Promise<RootsListing> {
  const listing = new Map<string, string>();
  for (const [label, root] of [
    ['media', roots.mediaRoot],
    ['cache', roots.cacheRoot],
    ['data', roots.dataDir],
  ] as const) {
    const names = await readdir(root, { recursive: true }).catch(() => [] as string[]);
    for (const name of names) {
      const stats = await lstat(join(root, name)).catch(() => undefined);
      if (stats === undefined) continue;
      const kind = stats.isSymbolicLink()
        ? 'link'
        : stats.isDirectory()
          ? 'dir'
          : `file:${stats.size}:${stats.mtimeMs}`;
      listing.set(`${label}/${name}`, kind);
    }
  }
  return listing;
}

export interface RootsChange {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

/**
 * What differs between two listings. The `:tmp` directories themselves are ignored (they are
 * created on first use; their content is checked by {@link tempFilesIn}), and so is every
 * entry `ignore` accepts (e.g. `data/db.journal` for a request that legitimately registers).
 */
export function changesBetween(
  before: RootsListing,
  after: RootsListing,
  ignore: (entry: string) => boolean = () => false,
): RootsChange {
  const skip = (entry: string) => /^(media|cache)\/:tmp$/.test(entry) || ignore(entry);
  const added = [...after.keys()].filter((entry) => !before.has(entry) && !skip(entry));
  const removed = [...before.keys()].filter((entry) => !after.has(entry) && !skip(entry));
  const changed = [...after.keys()].filter(
    (entry) => before.has(entry) && before.get(entry) !== after.get(entry) && !skip(entry),
  );
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

/** Files left in `MEDIA_ROOT/:tmp`, `CACHE_ROOT/:tmp` and DATA_DIR's `*.tmp`. */
export async function tempFilesIn(roots: ServerRoots): Promise<string[]> {
  const found: string[] = [];
  for (const root of [roots.mediaRoot, roots.cacheRoot]) {
    const names = await readdir(join(root, TEMP_DIR)).catch(() => [] as string[]);
    found.push(...names.map((name) => join(root, TEMP_DIR, name)));
  }
  const data = await readdir(roots.dataDir).catch(() => [] as string[]);
  found.push(...data.filter((name) => name.endsWith('.tmp')).map((n) => join(roots.dataDir, n)));
  return found.sort();
}
