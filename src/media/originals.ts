// Originals under MEDIA_ROOT: temp files for incoming bytes, placing them, choosing paths.

import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
// One temp dir name for every root: `:` keeps it out of every media URL, and start-up
// cleaning (cleanTempFiles) treats MEDIA_ROOT's like CACHE_ROOT's.
import { TEMP_DIR_NAME } from '../cache/layout.js';
import { AppError, quoteInput } from '../errors.js';
import { realPathInside, removeEmptyParents, retryWhileDirVanishes } from '../fs/inside-root.js';
import { checkOriginalPath, isHiddenPath } from '../url/original-path.js';
import { mediaTypeFor } from '../url/media-types.js';

/** The file extension written for each input format. */
const EXTENSION_OF_FORMAT: Readonly<Record<string, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  heif: 'heic',
  tiff: 'tiff',
  svg: 'svg',
};

export interface Originals {
  /** A fresh temp file path in MEDIA_ROOT's temp dir (same filesystem as every original). */
  tempFile(): Promise<string>;
  /**
   * Moves `temp` to `path`. Without `replace`, an existing original is a 409 and nothing
   * moves (no-clobber via link(2), atomic). Returns whether an original was replaced.
   */
  place(temp: string, path: string, replace: boolean): Promise<{ replaced: boolean }>;
  exists(path: string): Promise<boolean>;
  /** What `path` names under MEDIA_ROOT, symlinks resolved (inside the root only). */
  kindOf(path: string): Promise<'file' | 'directory' | 'other' | undefined>;
  /** Deletes the original; false if there was none. */
  remove(path: string): Promise<boolean>;
  /**
   * Moves the original out of sight (into the temp dir: no URL reaches it, start-up cleaning
   * removes it after a crash) until `discard` deletes it or `restore` puts it back.
   * Undefined when there is none.
   */
  setAside(path: string): Promise<SetAside | undefined>;
}

/** An original moved aside by {@link Originals.setAside}. */
export interface SetAside {
  discard(): Promise<void>;
  restore(): Promise<void>;
}

export function createOriginals(realMediaRoot: string): Originals {
  const tempDir = join(realMediaRoot, TEMP_DIR_NAME);

  async function exists(path: string): Promise<boolean> {
    const real = await realPathInside(realMediaRoot, path);
    return real !== undefined;
  }

  async function tempFile(): Promise<string> {
    await mkdir(tempDir, { recursive: true });
    return join(tempDir, `${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
  }

  return {
    tempFile,
    async place(temp, path, replace) {
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
  };
}

function conflict(path: string, what: string): AppError {
  return new AppError(
    'CONFLICT',
    `An original at ${quoteInput(path)} ${what}; ask for ?replace=true to replace it`,
  );
}

/** The extension an original of `format` gets, e.g. `jpg` for jpeg. */
export function extensionOf(format: string): string {
  return EXTENSION_OF_FORMAT[format] ?? format;
}

/**
 * Checks a requested path for an original of `format`: a valid media path whose extension
 * is served with the format's content type, so nginx and Node label it truthfully.
 */
export function checkPathForFormat(path: string, format: string): string {
  checkOriginalPath(path);
  const expected = mediaTypeFor(`x.${extensionOf(format)}`);
  if (mediaTypeFor(path) !== expected) {
    throw new AppError(
      'BAD_REQUEST',
      `Expected a path ending in .${extensionOf(format)} for a ${format} image but received ${quoteInput(path)}`,
    );
  }
  return path;
}

/**
 * Safe paths for an upload without one, in the order to try them: `<prefix>/<slug of the
 * file name>.<ext of the real format>`, then the same with a random suffix (7 of them).
 */
export function* candidatePaths(
  prefix: string,
  fileName: string | undefined,
  format: string,
): Generator<string> {
  const stem = slugOf(fileName);
  const extension = extensionOf(format);
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const suffix = attempt === 0 ? '' : `-${randomBytes(3).toString('hex')}`;
    const path = `${prefix === '' ? '' : `${prefix}/`}${stem}${suffix}.${extension}`;
    // A slug like `180x180` under a prefix ending in `crop` would read as a rendition.
    try {
      yield checkOriginalPath(path);
    } catch {}
  }
}

/** File name -> `[a-z0-9-]` stem of at most 64 characters; never empty. */
export function slugOf(fileName: string | undefined): string {
  const base = (fileName ?? '').split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.[^.]*$/, '');
  const slug = stem
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return slug === '' ? 'image' : slug;
}

/** The error a media path without an original gets (404 `ORIGINAL_NOT_FOUND`). */
export function originalNotFound(path: string): AppError {
  return new AppError('ORIGINAL_NOT_FOUND', `No original at ${quoteInput(path)}`);
}

/** True when a real path under the real MEDIA_ROOT is a dotfile or lies in a dot directory. */
export function leadsToDotfile(realMediaRoot: string, realPath: string): boolean {
  return isHiddenPath(relative(realMediaRoot, realPath));
}

/**
 * The real path and stats of the regular file `path` names under the real MEDIA_ROOT;
 * `ORIGINAL_NOT_FOUND` when there is none (missing, a directory, a dangling link).
 */
export async function originalFile(
  realMediaRoot: string,
  path: string,
): Promise<{ readonly real: string; readonly stats: Stats }> {
  // Dotfiles (`.env`, `.git/config`) are never originals, by name or through a symlink.
  if (isHiddenPath(path)) throw originalNotFound(path);
  const real = await realPathInside(realMediaRoot, path);
  if (real !== undefined && leadsToDotfile(realMediaRoot, real)) throw originalNotFound(path);
  const stats = real === undefined ? undefined : await stat(real).catch(() => undefined);
  if (real === undefined || stats === undefined || !stats.isFile()) throw originalNotFound(path);
  return { real, stats };
}
