// Object keys of originals under S3_PREFIX, built only from checked media paths: the prefix
// is a root like MEDIA_ROOT, and no spelling of a path (`..`, `%2e%2e`, backslashes, double
// slashes, dotfiles) names a key outside it or a key of another path.

import { TEMP_DIR_NAME } from '../cache/layout.js';
import { checkMediaPath } from '../url/media-path.js';
import { isHiddenPath } from '../url/original-path.js';

/** The key of the original at media path `path` (throws BAD_PATH for anything but one). */
export function keyOf(prefix: string, path: string): string {
  checkMediaPath(path);
  return prefix === '' ? path : `${prefix}/${path}`;
}

/**
 * The media path of `key` when it names a possible original under `prefix`: undefined for a
 * key outside it, a dotfile, a temp object or a key no media path spells (`a//b`, `a/../b`).
 */
export function pathOfKey(prefix: string, key: string): string | undefined {
  const start = prefix === '' ? '' : `${prefix}/`;
  if (!key.startsWith(start)) return undefined;
  const path = key.slice(start.length);
  if (isHiddenPath(path) || path.split('/')[0] === TEMP_DIR_NAME) return undefined;
  try {
    return checkMediaPath(path);
  } catch {
    return undefined;
  }
}

/** The key prefix of objects set aside during a delete: no media URL reaches `:tmp`. */
export function asideKeyOf(prefix: string, name: string): string {
  return prefix === '' ? `${TEMP_DIR_NAME}/${name}` : `${prefix}/${TEMP_DIR_NAME}/${name}`;
}
