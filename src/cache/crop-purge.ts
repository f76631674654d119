// Keeps cached crops consistent with CROP_STRATEGY: the strategy decides what a crop file of
// an image without a PPOI contains, but it is not part of the file's name (nginx serves the
// name from the URL alone), so a change of strategy must remove the crops made with the old one.

import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { removeEmptyParents } from '../fs/inside-root.js';
import type { CropStrategy } from '../url/rendition-spec.js';
import { walkCache } from './cache-walk.js';
import { isCropFile } from './layout.js';

/** File in DATA_DIR naming the strategy the cached crops were made with. */
export const CROP_STRATEGY_FILE = 'crop-strategy';

/** Crops made before the strategy was recorded were anchored on the centre. */
const UNRECORDED: CropStrategy = 'centre';

export interface CropPurgeOptions {
  /** Real CACHE_ROOT. */
  readonly cacheRoot: string;
  readonly dataDir: string;
  readonly strategy: CropStrategy;
}

/**
 * Removes every cached crop when `strategy` differs from the one recorded in DATA_DIR, then
 * records `strategy`. Run at start, before serving: no request can read a stale crop. Every
 * crop goes, PPOI or not (which crops had one is not in the cache); they render again on
 * demand. Returns the number of files removed. A crash midway purges again next time, since
 * the record is written last.
 */
export async function purgeCropsOnStrategyChange(options: CropPurgeOptions): Promise<number> {
  const recordFile = join(options.dataDir, CROP_STRATEGY_FILE);
  const recorded = await readFile(recordFile, 'utf8').then(
    (text) => text.trim(),
    () => UNRECORDED,
  );
  if (recorded === options.strategy) return 0;
  const crops = (await walkCache(options.cacheRoot)).filter((entry) => isCropFile(entry.path));
  const dirs = new Set<string>();
  for (const entry of crops) {
    const file = join(options.cacheRoot, entry.path);
    await rm(file, { force: true });
    dirs.add(dirname(file));
  }
  for (const dir of dirs) await removeEmptyParents(options.cacheRoot, dir);
  const temp = `${recordFile}.${process.pid}.tmp`;
  await writeFile(temp, `${options.strategy}\n`);
  await rename(temp, recordFile);
  return crops.length;
}
