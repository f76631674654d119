// Originals under MEDIA_ROOT: the local originals store. Every path is resolved inside the
// real root (symlinks followed only while they stay inside it); dotfiles are never originals.

import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
// One temp dir name for every root: `:` keeps it out of every media URL, and start-up
// cleaning (cleanTempFiles) treats MEDIA_ROOT's like CACHE_ROOT's.
import { TEMP_DIR_NAME } from '../cache/layout.js';
import { AppError, quoteInput } from '../errors.js';
import {
  canonicalPathInside,
  openInside,
  realPathInside,
  removeEmptyParents,
  retryWhileDirVanishes,
} from '../fs/inside-root.js';
import { isHiddenPath, originalNotFound } from '../url/original-path.js';
import type { OriginalsStore } from './originals-store.js';

/** The local store over `realMediaRoot` (MEDIA_ROOT with symlinks resolved). */
export function createLocalOriginals(realMediaRoot: string): OriginalsStore {
  const tempDir = join(realMediaRoot, TEMP_DIR_NAME);

  async function exists(path: string): Promise<boolean> {
    const real = await realPathInside(realMediaRoot, path);
    return real !== undefined;
  }

  /**
   * Refuses a path that reaches its file through an in-root symlink. Renditions live under
   * the path that made them and a purge removes the original's own path: renditions of an
   * alias would outlive the original's replace and delete.
   */
  async function refuseAlias(path: string, real?: string): Promise<void> {
    const canonical =
      real === undefined
        ? await canonicalPathInside(realMediaRoot, path)
        : relative(realMediaRoot, real);
    if (canonical !== path) throw aliasRefused(path, canonical);
  }

  async function tempFile(): Promise<string> {
    await mkdir(tempDir, { recursive: true });
    return join(tempDir, `${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
  }

  /**
   * The real path and stats of the regular file `path` names; `ORIGINAL_NOT_FOUND` when
   * there is none (missing, a directory, a dangling link).
   */
  async function originalFile(path: string): Promise<{ real: string; stats: Stats }> {
    // Dotfiles (`.env`, `.git/config`) are never originals, by name or through a symlink.
    if (isHiddenPath(path)) throw originalNotFound(path);
    const real = await realPathInside(realMediaRoot, path);
    if (real !== undefined && leadsToDotfile(realMediaRoot, real)) throw originalNotFound(path);
    const stats = real === undefined ? undefined : await stat(real).catch(() => undefined);
    if (real === undefined || stats === undefined || !stats.isFile()) throw originalNotFound(path);
    await refuseAlias(path, real);
    return { real, stats };
  }

  return {
    async open(path) {
      const { real, stats } = await originalFile(path);
      return {
        input: real,
        version: versionOf(stats),
        size: stats.size,
        mtimeMs: stats.mtimeMs,
        async current() {
          const now = await stat(real).catch(() => undefined);
          return now === undefined ? undefined : versionOf(now);
        },
        release() {},
        hold: () => () => {},
      };
    },

    async serve(path) {
      const file = await openInside(realMediaRoot, path);
      if (file === undefined) throw originalNotFound(path);
      // A symlink to a dotfile (`a.jpg -> .env`) is no original either.
      if (leadsToDotfile(realMediaRoot, file.realPath)) {
        await file.handle.close();
        throw originalNotFound(path);
      }
      return {
        kind: 'body',
        body: { kind: 'handle', handle: file.handle },
        size: file.stats.size,
        mtimeMs: file.stats.mtimeMs,
      };
    },

    async version(path) {
      try {
        return versionOf((await originalFile(path)).stats);
      } catch (error) {
        if (error instanceof AppError && error.code === 'ORIGINAL_NOT_FOUND') return undefined;
        throw error;
      }
    },

    // Renditions are purged by the admin API here; nothing watches MEDIA_ROOT.
    watch() {},

    isOriginal(path) {
      return originalFile(path).then(
        () => true,
        () => false,
      );
    },

    tempFile,

    async place(temp, path, replace) {
      await refuseAlias(path);
      const target = join(realMediaRoot, path);
      const existed = await exists(path);
      // A delete of this directory's last other original may remove it meanwhile: retried.
      const intoDir = <T>(step: () => Promise<T>) =>
        retryWhileDirVanishes(realMediaRoot, dirname(target), step);
      if (replace) {
        if (existed && !(await stat(target)).isFile()) throw conflict(path, 'is a directory');
        await intoDir(() => rename(temp, target));
        return { replaced: existed };
      }
      try {
        await intoDir(() => link(temp, target));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw conflict(path, 'exists');
        throw error;
      } finally {
        await rm(temp, { force: true });
      }
      return { replaced: false };
    },

    exists,

    async kindOf(path) {
      const real = await realPathInside(realMediaRoot, path);
      const stats = real === undefined ? undefined : await stat(real).catch(() => undefined);
      if (stats === undefined) return undefined;
      await refuseAlias(path, real);
      return stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
    },

    async remove(path) {
      const real = await realPathInside(realMediaRoot, path);
      // (realPathInside throws BAD_PATH for a real path outside the root.)
      if (real === undefined) return false;
      // Remove the name the URL uses, never a symlink's target elsewhere.
      await rm(join(realMediaRoot, path), { force: true });
      await removeEmptyParents(realMediaRoot, dirname(join(realMediaRoot, path)));
      return true;
    },

    async setAside(path) {
      const real = await realPathInside(realMediaRoot, path);
      if (real === undefined || !(await stat(real)).isFile()) return undefined;
      const target = join(realMediaRoot, path);
      // In the temp dir: no URL reaches it, and start-up cleaning removes it after a crash.
      const aside = await tempFile();
      // The name the URL uses moves, never a symlink's target elsewhere.
      await rename(target, aside);
      return {
        async discard() {
          await rm(aside, { force: true });
          await removeEmptyParents(realMediaRoot, dirname(target));
        },
        async restore() {
          await retryWhileDirVanishes(realMediaRoot, dirname(target), () => rename(aside, target));
        },
      };
    },

    // Nothing is copied: every read goes to MEDIA_ROOT.
    forget() {},

    // MEDIA_ROOT's own check (writable) is the health check's roots.mediaRoot.
    async health() {
      return 'ok';
    },

    async close() {},
  };
}

/** What changes whenever a local original's bytes do. */
function versionOf(stats: Stats): string {
  return `${stats.mtimeMs}:${stats.size}`;
}

function aliasRefused(path: string, canonical: string): AppError {
  return new AppError(
    'ALIAS_PATH',
    `Expected a path without symlinks but received ${quoteInput(path)}, a symlink to ${quoteInput(canonical)}: renditions, registrations and deletes use the real path, so that purging the original reaches all of them; use ${quoteInput(canonical)}`,
  );
}

function conflict(path: string, what: string): AppError {
  return new AppError(
    'CONFLICT',
    `An original at ${quoteInput(path)} ${what}; ask for ?replace=true to replace it`,
  );
}

/** True when a real path under the real MEDIA_ROOT is a dotfile or lies in a dot directory. */
function leadsToDotfile(realMediaRoot: string, realPath: string): boolean {
  return isHiddenPath(relative(realMediaRoot, realPath));
}
