// Parsed media targets by raw path: repeated URLs (every hit) skip decoding and the grammar.

import { decodeMediaPath } from '../url/media-path.js';
import { isHiddenPath, originalNotFound } from '../url/original-path.js';
import { type MediaTarget, parseMediaTarget } from '../url/rendition-url.js';

export interface MediaTargetParser {
  /**
   * `parseMediaTarget(decodeMediaPath(raw))`, remembered; throws what they throw, and
   * `ORIGINAL_NOT_FOUND` for a dotfile path.
   */
  parse(raw: string): MediaTarget;
}

/**
 * Remembers up to `max` parsed targets (oldest forgotten first). Only successes are kept:
 * a refused path is parsed, and refused, again each time. The same raw path always yields
 * the same target object, which lets later steps memoize per target.
 */
export function createMediaTargetParser(max = 10_000): MediaTargetParser {
  const parsed = new Map<string, MediaTarget>();
  return {
    parse(raw) {
      const known = parsed.get(raw);
      if (known !== undefined) return known;
      // Decode first, then split: a %2F is a separator like any other `/` (nginx agrees).
      const target = parseMediaTarget(decodeMediaPath(raw));
      // Dotfiles (`.env`, `.git/config`) and whatever lies under them: never served, not even
      // a cache file, and answered as a missing original (nginx hands them to Node).
      const path = target.kind === 'rendition' ? target.spec.path : target.path;
      if (isHiddenPath(path)) throw originalNotFound(path);
      if (parsed.size >= max) parsed.delete(parsed.keys().next().value as string);
      parsed.set(raw, target);
      return target;
    },
  };
}
