// Purges cache files made under a setting that is not part of their names (nginx serves a
// name from the URL alone), when that setting changed since the last start.

import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { removeEmptyParents } from '../fs/inside-root.js';
import { walkCache } from './cache-walk.js';

export interface PurgeOnChangeOptions {
  /** Real CACHE_ROOT. */
  readonly cacheRoot: string;
  readonly dataDir: string;
  /** File in DATA_DIR recording the value the cached files were made with. */
  readonly recordName: string;
  readonly value: string;
  /** What an unrecorded past is taken to have been. */
  readonly unrecorded: string;
  /** Which cache files (relative to CACHE_ROOT) the value decides. */
  readonly affects: (relative: string) => boolean;
}

/**
 * Removes every cache file `affects` selects when `value` differs from the one recorded in
 * DATA_DIR, then records `value`. Run at start, before serving: no request can read a stale
 * file; they render again on demand. Returns the number of files removed. A crash midway
 * purges again next time, since the record is written last.
 */
export async function purgeOnChange(options: PurgeOnChangeOptions): Promise<number> {
  const recordFile = join(options.dataDir, options.recordName);
  const recorded = await readFile(recordFile, 'utf8').then(
    (text) => text.trim(),
    () => options.unrecorded,
  );
  if (recorded === options.value) return 0;
  const stale = (await walkCache(options.cacheRoot)).filter((entry) => options.affects(entry.path));
  const dirs = new Set<string>();
  for (const entry of stale) {
    const file = join(options.cacheRoot, entry.path);
    await rm(file, { force: true });
    dirs.add(dirname(file));
  }
  for (const dir of dirs) await removeEmptyParents(options.cacheRoot, dir);
  const temp = `${recordFile}.${process.pid}.tmp`;
  await writeFile(temp, `${options.value}\n`);
  await rename(temp, recordFile);
  return stale.length;
}
