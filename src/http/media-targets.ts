// Parsed media targets by raw path: repeated URLs (every hit) skip decoding and the grammar.

import { decodeMediaPath } from '../url/media-path.js';
import { type MediaTarget, parseMediaTarget } from '../url/rendition-url.js';

export interface MediaTargetParser {
  /** `parseMediaTarget(decodeMediaPath(raw))`, remembered; throws what they throw. */
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
      if (parsed.size >= max) parsed.delete(parsed.keys().next().value as string);
      parsed.set(raw, target);
      return target;
    },
  };
}
