// One process owns DATA_DIR: a lock file naming its pid, refused while that pid lives.

import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from '../fs/process-alive.js';

const lockedHere = new Set<string>();

export interface DataDirLock {
  release(): Promise<void>;
}

/** Takes `DATA_DIR/db.lock`; throws naming the owner if another live process holds it. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = join(dataDir, 'db.lock');
  if (lockedHere.has(file)) throw new Error(`DATA_DIR ${dataDir} is already open in this process`);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      lockedHere.add(file);
      return {
        async release() {
          lockedHere.delete(file);
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (isProcessAlive(owner) && owner !== process.pid) {
        throw new Error(
          `DATA_DIR ${dataDir} is in use by another rendition process (pid ${owner})`,
        );
      }
      // A stale lock of a process that died (or of this pid's previous life): take it over.
      await rm(file, { force: true });
    }
  }
  throw new Error(`Could not lock DATA_DIR ${dataDir}`);
}
