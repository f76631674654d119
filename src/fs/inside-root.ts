// Opens files strictly inside a root directory, whatever symlinks say.

import { constants, fstatSync, readlinkSync, type Stats } from 'node:fs';
import {
  chmod,
  type FileHandle,
  lstat,
  mkdir,
  open,
  realpath,
  rmdir,
  stat,
} from 'node:fs/promises';
import { basename, dirname, sep } from 'node:path';
import { AppError } from '../errors.js';
import { sharedDirModeFor } from './shared-dir-mode.js';

/** An open regular file inside a root: read it through `handle`, then close it. */
export interface OpenFile {
  readonly handle: FileHandle;
  readonly stats: Stats;
  /** Real path, symlinks resolved. */
  readonly realPath: string;
}

/** True if `path` is `root` itself or lies below it (both real, absolute). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Resolves `relative` (already a checked media path) under `realRoot` with symlinks
 * resolved. Returns undefined when it does not exist; throws `BAD_PATH` when its real
 * path leaves the root (a symlink pointing out).
 */
export async function realPathInside(
  realRoot: string,
  relative: string,
): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(`${realRoot}${sep}${relative}`);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  if (!isInside(realRoot, real)) {
    throw new AppError('BAD_PATH', 'The path leads outside its root');
  }
  return real;
}

/**
 * The path `relative` really names under `realRoot`: its deepest existing ancestor with
 * symlinks resolved, plus the levels below that do not exist yet. Equal to `relative` unless
 * an in-root symlink on the way makes it an alias of another path. Throws `BAD_PATH` when
 * the real path leaves the root.
 */
export async function canonicalPathInside(realRoot: string, relative: string): Promise<string> {
  let existing = relative;
  let below = '';
  for (;;) {
    const real = await realPathInside(realRoot, existing);
    if (real !== undefined) {
      const resolved = real === realRoot ? '' : real.slice(realRoot.length + 1);
      return [resolved, below].filter((part) => part !== '').join(sep);
    }
    const parent = dirname(existing);
    below = below === '' ? basename(existing) : `${basename(existing)}${sep}${below}`;
    if (parent === '.' || parent === existing) return relative;
    existing = parent;
  }
}

/**
 * Opens a regular file inside `realRoot`. Returns undefined when there is none (missing,
 * or a directory); throws `BAD_PATH` when it really lies outside the root.
 *
 * The common case costs one open: the path is opened with O_NOFOLLOW and the real path of
 * what was opened is read back from `/proc/self/fd` and checked (race-free: it is the file
 * actually open, whatever a symlink says a moment later). A symlink as the last component
 * takes the slower route: resolve, check, then open the real path with O_NOFOLLOW, so a
 * symlink swapped in between is refused rather than followed.
 */
export async function openInside(
  realRoot: string,
  relative: string,
): Promise<OpenFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await openNoFollow(`${realRoot}${sep}${relative}`);
  } catch (error) {
    const lastIsSymlink = (error as NodeJS.ErrnoException).code === 'ELOOP';
    if (lastIsSymlink) return openResolved(realRoot, relative);
    if (isMissing(error)) return undefined;
    throw error;
  }
  const realPath = realPathOfOpenFile(handle);
  // No /proc (not Linux): the resolving route.
  if (realPath === undefined) {
    await handle.close();
    return openResolved(realRoot, relative);
  }
  if (!isInside(realRoot, realPath)) {
    await handle.close();
    throw new AppError('BAD_PATH', 'The path leads outside its root');
  }
  return regularFile(handle, realPath);
}

async function openResolved(realRoot: string, relative: string): Promise<OpenFile | undefined> {
  const realPath = await realPathInside(realRoot, relative);
  if (realPath === undefined) return undefined;
  let handle: FileHandle;
  try {
    handle = await openNoFollow(realPath);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  return regularFile(handle, realPath);
}

/**
 * The real path of an open file, from procfs. Synchronous on purpose: procfs answers from
 * kernel memory, never from a disk, so a thread-pool round trip would only add cost.
 */
function realPathOfOpenFile(handle: FileHandle): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${handle.fd}`);
  } catch {
    return undefined;
  }
}

function openNoFollow(path: string): Promise<FileHandle> {
  // O_NONBLOCK: opening a FIFO planted in a root must not block a libuv thread forever.
  return open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
}

/**
 * The open file if it is a regular one; closed and undefined otherwise (a directory, a FIFO).
 * fstat is synchronous on purpose: once a file is open its inode is in memory, so the call
 * costs a microsecond while a thread-pool round trip costs ten times that on every hit.
 */
async function regularFile(handle: FileHandle, realPath: string): Promise<OpenFile | undefined> {
  try {
    const stats = fstatSync(handle.fd);
    if (stats.isFile()) return { handle, stats, realPath };
  } catch (error) {
    await handle.close();
    throw error;
  }
  await handle.close();
  return undefined;
}

/** Errors that mean "there is no such file" (a symlink loop included). */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'ENOENT' ||
    code === 'ENOTDIR' ||
    code === 'ENAMETOOLONG' ||
    code === 'EISDIR' ||
    code === 'ELOOP'
  );
}

/**
 * mkdir -p that never creates anything outside `root`: the deepest existing ancestor must
 * really be inside it (a symlinked directory planted in the cache cannot redirect writes).
 * Each directory it makes takes its parent's setgid and group write ({@link sharedDirModeFor}),
 * so a group-writable MEDIA_ROOT stays writable for the other app all the way down.
 */
export async function makeDirInside(root: string, dir: string): Promise<void> {
  let existing = dir;
  while (isInside(root, existing) && existing !== root) {
    try {
      await lstat(existing);
      break;
    } catch (error) {
      if (!isMissing(error)) throw error;
      existing = dirname(existing);
    }
  }
  if (!isInside(root, await realpath(existing))) {
    throw new AppError('BAD_PATH', 'The path leads outside its root');
  }
  await makeMissingLevels(existing, dir);
}

/** Creates the directories from below `existing` down to `dir`, one level at a time. */
async function makeMissingLevels(existing: string, dir: string): Promise<void> {
  const levels: string[] = [];
  for (let level = dir; level !== existing && level !== dirname(level); level = dirname(level)) {
    levels.unshift(level);
  }
  if (levels.length === 0) return;
  let parentMode = (await stat(existing)).mode;
  for (const level of levels) {
    try {
      await mkdir(level);
    } catch (error) {
      // Made meanwhile by a concurrent write: its maker chose the mode.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      parentMode = (await stat(level)).mode;
      continue;
    }
    const createdMode = (await stat(level)).mode;
    const shared = sharedDirModeFor(parentMode, createdMode);
    if (shared !== undefined) await chmod(level, shared);
    parentMode = shared ?? createdMode;
  }
}

/**
 * Creates `dir` inside `root` and runs `step` (a rename or link into it). A concurrent purge
 * or delete may remove the directory in between (it removes emptied parents): ENOENT then
 * means "create it again", a few times over, never "fail the request".
 */
export async function retryWhileDirVanishes<T>(
  root: string,
  dir: string,
  step: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      // mkdir -p itself fails with ENOENT when a parent it just made is removed under it.
      await makeDirInside(root, dir);
      return await step();
    } catch (error) {
      // ENOTDIR too: mkdir -p's own check of a directory that vanished under it says so.
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || attempt >= 8) throw error;
    }
  }
}

/** Removes the now-empty directories from `dir` up to (not including) `root`. */
export async function removeEmptyParents(root: string, dir: string): Promise<void> {
  let current = dir;
  while (isInside(root, current) && current !== root) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty, or already gone: stop climbing
    }
    current = dirname(current);
  }
}
