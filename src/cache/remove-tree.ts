// Removing a directory tree that other writers may be adding to at the same moment.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isMissing } from '../fs/inside-root.js';
import { TEMP_DIR_NAME } from './layout.js';

/** Suffix of a tree moved aside for removal; start-up cleaning removes what a crash left. */
export const TRASH_SUFFIX = '.trash';

/**
 * Removes `dir` (inside the real `root`) and everything in it. A recursive rm lists a
 * directory and then removes it, so a file landing in between (a render finishing) fails it
 * with ENOTEMPTY. Instead the tree is first renamed into `root`'s temp dir (one atomic step:
 * from then on nobody finds it, and a writer arriving later creates a fresh directory), and
 * removed there, where nothing writes. Returns false when there was no such directory.
 */
export async function removeTree(root: string, dir: string): Promise<boolean> {
  const trashDir = join(root, TEMP_DIR_NAME);
  const trash = join(trashDir, `${process.pid}-${randomBytes(6).toString('hex')}${TRASH_SUFFIX}`);
  await mkdir(trashDir, { recursive: true });
  try {
    await rename(dir, trash);
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  await rm(trash, { recursive: true, force: true });
  return true;
}
