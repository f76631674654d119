// Atomic cache writes: a temp file in CACHE_ROOT's temp dir, then rename into place.

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { retryWhileDirVanishes } from '../fs/inside-root.js';
import { isProcessAlive } from '../fs/process-alive.js';
import { TEMP_DIR_NAME } from './layout.js';

export interface AtomicWriteOptions {
  /**
   * Asked just before the rename and again just after it: once it answers false (the
   * original was deleted or replaced meanwhile), the file is not left behind.
   */
  readonly stillWanted?: () => boolean;
  /** The file's mtime is raised to at least this (ms) before it appears (see mtime-floor.ts). */
  readonly minMtimeMs?: number | undefined;
  /** The file's mtime is set to exactly this (ms) before it appears: validators sent already. */
  readonly mtimeMs?: number | undefined;
}

/** A file {@link writeFileAtomic} put in place: where, and the validators it was written with. */
export interface WrittenFile {
  readonly path: string;
  /** Bytes written. */
  readonly size: number;
  /** Its mtime as the filesystem stored it, in ms (ETag and Last-Modified come from it). */
  readonly mtimeMs: number;
}

/**
 * Writes `data` to `root/relative` so that no reader, nginx included, ever sees a partial
 * file: the bytes go to a temp file on the same filesystem and are renamed over the target.
 * No fsync: a rendition can always be rendered again, and a miss should not wait on the disk.
 * Returns the target path with the size and mtime of the file written (read from the temp
 * file: a rename keeps both), or undefined when `stillWanted` said no. Never stat the target
 * afterwards: a purge may move it away the moment it lands, and that is no error.
 */
export async function writeFileAtomic(
  root: string,
  relative: string,
  data: Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<WrittenFile | undefined> {
  // `root` must be a real path (symlinks resolved): directories are checked against it.
  const stillWanted = options.stillWanted ?? (() => true);
  const target = join(root, relative);
  const temp = join(root, TEMP_DIR_NAME, `${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  let written: WrittenFile;
  try {
    await writeTemp(temp, data);
    if (options.mtimeMs !== undefined) {
      const at = new Date(options.mtimeMs);
      await utimes(temp, at, at);
    }
    const { mtimeMs, size } = await raiseMtime(temp, options.minMtimeMs);
    written = { path: target, mtimeMs, size };
    if (!stillWanted()) {
      await rm(temp, { force: true });
      return undefined;
    }
    await renameCreatingDirs(root, temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // A purge that began during the rename has already listed the directory: undo ourselves.
  if (!stillWanted()) {
    await rm(target, { force: true });
    return undefined;
  }
  return written;
}

/** Temp dirs made by this process: a write into one skips the mkdir (one syscall per miss). */
const madeTempDirs = new Set<string>();

async function writeTemp(temp: string, data: Uint8Array): Promise<void> {
  const dir = dirname(temp);
  if (!madeTempDirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    madeTempDirs.add(dir);
  }
  try {
    await writeFile(temp, data);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    // Removed since (an operator emptied CACHE_ROOT): made again, once.
    await mkdir(dir, { recursive: true });
    await writeFile(temp, data);
  }
}

/** Raises the file's mtime to `minMtimeMs` if it is older; returns its size and mtime then. */
async function raiseMtime(
  file: string,
  minMtimeMs: number | undefined,
): Promise<{ mtimeMs: number; size: number }> {
  const { atime, mtimeMs, size } = await stat(file);
  if (minMtimeMs === undefined || mtimeMs >= minMtimeMs) return { mtimeMs, size };
  await utimes(file, atime, new Date(minMtimeMs));
  // Read back: the filesystem's timestamp granularity decides what nginx will see.
  return { mtimeMs: (await stat(file)).mtimeMs, size };
}

async function renameCreatingDirs(root: string, from: string, to: string): Promise<void> {
  await retryWhileDirVanishes(root, dirname(to), () => rename(from, to));
}

/**
 * Removes temp files left by processes that died mid-write: those of pids no longer
 * running on this host, and any older than `maxAgeMs` (a process on another host).
 */
export async function cleanTempFiles(root: string, maxAgeMs = 10 * 60_000): Promise<number> {
  const dir = join(root, TEMP_DIR_NAME);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  const now = Date.now();
  for (const name of names) {
    const file = join(dir, name);
    const pid = Number(name.split('-')[0]);
    const stale =
      !isProcessAlive(pid) ||
      now - (await stat(file).catch(() => ({ mtimeMs: 0 }))).mtimeMs > maxAgeMs;
    if (stale || pid === process.pid) {
      // Recursive: a tree a purge moved aside (remove-tree.ts) and a crash left behind.
      await rm(file, { recursive: true, force: true });
      removed += 1;
    }
  }
  return removed;
}
