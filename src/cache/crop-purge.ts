// Keeps cached crops consistent with CROP_STRATEGY: the strategy decides what a crop file of
// an image without a PPOI contains, but it is not part of the file's name (nginx serves the
// name from the URL alone), so a change of strategy must remove the crops made with the old one.

import type { CropStrategy } from '../url/rendition-spec.js';
import { isCropFile } from './layout.js';
import { purgeOnChange } from './purge-on-change.js';

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
 * records `strategy` (purge-on-change.ts). Every crop goes, PPOI or not (which crops had
 * one is not in the cache). Returns the number of files removed.
 */
export function purgeCropsOnStrategyChange(options: CropPurgeOptions): Promise<number> {
  return purgeOnChange({
    cacheRoot: options.cacheRoot,
    dataDir: options.dataDir,
    recordName: CROP_STRATEGY_FILE,
    value: options.strategy,
    unrecorded: UNRECORDED,
    affects: isCropFile,
  });
}
